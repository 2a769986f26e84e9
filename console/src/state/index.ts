export * from './model';
export * from './threads';
export { conversationForSession, reducer } from './reducer';
export * from './selectors';
