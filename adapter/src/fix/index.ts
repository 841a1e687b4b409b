/** The FIX engine's public surface. */
export { FixMessage, type FixField } from './codec/fix-message.ts';
export { encodeMessage, encodeFields, type OutgoingHeader } from './codec/encoder.ts';
export { parseMessage, type ParseResult } from './codec/parser.ts';
export { FixFramer, type FrameEvent, type FramerOptions } from './codec/framer.ts';
export { Tag, MsgType, isAdminMsgType } from './codec/tags.ts';
export { formatUtcTimestamp, parseUtcTimestamp } from './codec/utc-timestamp.ts';

export type { DataDictionary, DictionarySet, FieldDefinition, FieldLayout, GroupDefinition, MessageDefinition } from './dictionary/data-dictionary.ts';
export { buildDictionary, dictionaryFromXml, loadDictionaryFile, singleDictionary, DictionaryError } from './dictionary/load-dictionary.ts';
export { validateMessage, SessionRejectReason, type ValidationFailure } from './dictionary/validate-message.ts';
export { readStructure, readGroup, type GroupEntry, type MessageStructure } from './dictionary/message-structure.ts';
export { readXml, XmlError } from './dictionary/xml-reader.ts';

export {
  BusinessRejectError,
  DeliveryFailedError,
  FieldRejectError,
  UnsupportedMessageTypeError,
  type FixApplication,
  type SendOptions,
  type SessionHandle,
  type SessionId,
} from './session/application.ts';
export { StoreFencedError, type MessageStore, type OffsetCommit, type MessageStoreFactory, type SessionKey, type StoreSnapshot, type StoredMessage } from './session/message-store.ts';
export { MemoryMessageStore } from './session/memory-message-store.ts';
export { Session, systemClock, type Clock, type FixEvent, type FixEventSink, type SessionLink, type SessionOptions } from './session/session.ts';
export { SessionSchedule, type ScheduleConfig, type Weekday } from './session/session-schedule.ts';
export { DEFAULT_SESSION_SETTINGS, applVerIdCode, type SessionSettings } from './session/session-settings.ts';
export { BusinessRejectReason } from './session/reject-text.ts';

export { FixAcceptor } from './transport/acceptor.ts';
export { FixInitiator } from './transport/initiator.ts';
export type {
  AcceptorSessionConfig,
  DictionarySource,
  FixAcceptorConfig,
  FixEngineDependencies,
  FixInitiatorConfig,
  ServerTlsConfig,
} from './transport/engine-config.ts';
