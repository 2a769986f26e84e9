import { describe, expect, it } from 'vitest';
import { PARIS_HOURS, settings } from '../test/settings';
import { formFromSettings } from './form';
import { serverFieldError } from './serverErrors';
import { fieldOrder } from './validate';

// The messages are the server's own (PATCH /api/settings → 422 invalid_request).
const known = fieldOrder(formFromSettings(settings({ businessHours: PARIS_HOURS }), 'UTC'));

describe('serverFieldError', () => {
  it('puts a field error next to the field it names', () => {
    expect(serverFieldError("widget.color: String should match pattern '^#[0-9a-fA-F]{6}$'", known)).toEqual({
      field: 'widget.color',
      text: "String should match pattern '^#[0-9a-fA-F]{6}$'.",
    });
    expect(serverFieldError('agentCapacity: Input should be greater than or equal to 1', known).field).toBe('agentCapacity');
    expect(serverFieldError('businessHours.timezone: must be an IANA time zone name, e.g. Europe/Paris', known)).toEqual({
      field: 'businessHours.timezone',
      text: 'Must be an IANA time zone name, e.g. Europe/Paris.',
    });
  });

  it('finds the range, the day and the holiday', () => {
    expect(serverFieldError("businessHours.weekly.mon.1: '9:00' is not a time of day HH:MM", known).field).toBe('businessHours.weekly.mon.1');
    expect(serverFieldError('businessHours.weekly: mon: ranges overlap', known)).toEqual({
      field: 'businessHours.weekly.mon',
      text: 'Ranges overlap.',
    });
    expect(serverFieldError('businessHours.holidays.0: holidays are dates YYYY-MM-DD', known).field).toBe('businessHours.holidays.0');
  });

  it('falls back to the nearest field the page has', () => {
    expect(serverFieldError('businessHours.weekly.mon.0.1: String should have at most 5 characters', known).field).toBe(
      'businessHours.weekly.mon.0',
    );
    expect(serverFieldError('widget.greeting.extra: nope', known).field).toBe('widget.greeting');
  });

  it('puts rate limits, retention and the attachment size on their fields', () => {
    const pattern = "String should match pattern '^[1-9][0-9]{0,8}/(second|minute|hour|day)$'";
    expect(serverFieldError(`rateLimits.visitorMessages: ${pattern}`, known)).toEqual({
      field: 'rateLimits.visitorMessages',
      text: `${pattern}.`,
    });
    expect(serverFieldError(`rateLimits.tenantMessages: ${pattern}`, known).field).toBe('rateLimits.tenantMessages');
    expect(serverFieldError('retentionDays: Input should be greater than or equal to 1', known)).toEqual({
      field: 'retentionDays',
      text: 'Input should be greater than or equal to 1.',
    });
    expect(serverFieldError('attachments.maxBytes: Input should be greater than or equal to 1024', known).field).toBe('attachments.maxBytes');
  });

  it('keeps the whole message for a field the page does not show', () => {
    expect(serverFieldError('allowedOrigins.0: origins look like https://www.example.com (no path)', known)).toEqual({
      field: null,
      text: 'allowedOrigins.0: origins look like https://www.example.com (no path).',
    });
    expect(serverFieldError('rateLimits: must not be null', known).field).toBeNull();
    expect(serverFieldError('Invalid JSON body', known)).toEqual({ field: null, text: 'Invalid JSON body.' });
  });
});
