// Element ids of the Team page, so the controllers' focus targets and the
// browser tests find the same elements. Agent ids and key prefixes go in as
// they are (found with getElementById, never put in a CSS selector).
import type { AgentField } from '../../team/agentDraft';
import type { AgentsFocus, RowControl } from '../../team/agents';
import type { AuditFocus } from '../../team/audit';
import type { KeysFocus } from '../../team/keys';

export function agentFieldId(field: AgentField): string {
  return `team-agent-${field}`;
}

export function errorId(id: string): string {
  return `${id}-error`;
}

export function rowControlId(agentId: string, control: RowControl): string {
  return `team-${control}-${agentId}`;
}

export function keyControlId(prefix: string, control: 'revoke' | 'cancelRevoke'): string {
  return `team-${control}-${prefix}`;
}

export function agentsFocusId(target: AgentsFocus): string {
  if (typeof target === 'object') return rowControlId(target.agentId, target.control);
  if (target === 'generate') return 'team-generate';
  if (target === 'added') return 'team-added-title';
  return agentFieldId(target);
}

export function keysFocusId(target: KeysFocus): string {
  if (typeof target === 'object') return keyControlId(target.prefix, target.control);
  if (target === 'create') return 'team-key-create';
  if (target === 'newKey') return 'team-key-title';
  return 'team-keys-title';
}

export function auditFocusId(target: AuditFocus): string {
  return target === 'older' ? 'team-audit-older' : 'team-audit-end';
}
