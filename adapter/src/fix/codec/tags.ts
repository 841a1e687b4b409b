/** Tags the session layer reads or writes itself; application tags come from the data dictionary. */
export const Tag = {
  BeginSeqNo: 7,
  BeginString: 8,
  BodyLength: 9,
  CheckSum: 10,
  ClOrdID: 11,
  EndSeqNo: 16,
  MsgSeqNum: 34,
  MsgType: 35,
  NewSeqNo: 36,
  PossDupFlag: 43,
  RefSeqNum: 45,
  SenderCompID: 49,
  SenderSubID: 50,
  SendingTime: 52,
  TargetCompID: 56,
  TargetSubID: 57,
  Text: 58,
  Signature: 89,
  SignatureLength: 93,
  PossResend: 97,
  EncryptMethod: 98,
  HeartBtInt: 108,
  TestReqID: 112,
  OnBehalfOfCompID: 115,
  OnBehalfOfSubID: 116,
  OrigSendingTime: 122,
  GapFillFlag: 123,
  DeliverToCompID: 128,
  DeliverToSubID: 129,
  ResetSeqNumFlag: 141,
  SenderLocationID: 142,
  TargetLocationID: 143,
  OnBehalfOfLocationID: 144,
  DeliverToLocationID: 145,
  RefTagID: 371,
  RefMsgType: 372,
  SessionRejectReason: 373,
  BusinessRejectRefID: 379,
  BusinessRejectReason: 380,
  Username: 553,
  Password: 554,
  NextExpectedMsgSeqNum: 789,
  ApplVerID: 1128,
  DefaultApplVerID: 1137,
} as const;

export const MsgType = {
  Heartbeat: '0',
  TestRequest: '1',
  ResendRequest: '2',
  Reject: '3',
  SequenceReset: '4',
  Logout: '5',
  Logon: 'A',
  BusinessMessageReject: 'j',
} as const;

const ADMIN_MSG_TYPES = new Set<string>(['0', '1', '2', '3', '4', '5', 'A']);

/** Session-level (administrative) messages: never resent, gap-filled instead. */
export function isAdminMsgType(msgType: string): boolean {
  return ADMIN_MSG_TYPES.has(msgType);
}

/** The standard header tags, used when no dictionary says otherwise. */
export const STANDARD_HEADER_TAGS: ReadonlySet<number> = new Set([
  8, 9, 35, 49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145, 43, 97, 52, 122, 212, 213, 347, 369,
  627, 628, 629, 630, 1128, 1129, 1156,
]);

export const TRAILER_TAGS: ReadonlySet<number> = new Set([93, 89, 10]);
