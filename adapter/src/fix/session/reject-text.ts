/** QuickFIX's wording for reject reasons: counterparties and test suites match on it. */
export const SESSION_REJECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Invalid tag number',
  1: 'Required tag missing',
  2: 'Tag not defined for this message type',
  3: 'Undefined Tag',
  4: 'Tag specified without a value',
  5: 'Value is incorrect (out of range) for this tag',
  6: 'Incorrect data format for value',
  7: 'Decryption problem',
  8: 'Signature problem',
  9: 'CompID problem',
  10: 'SendingTime accuracy problem',
  11: 'Invalid MsgType',
  13: 'Tag appears more than once',
  14: 'Tag specified out of required order',
  15: 'Repeating group fields out of order',
  16: 'Incorrect NumInGroup count for repeating group',
};

export const BusinessRejectReason = {
  Other: 0,
  UnknownId: 1,
  UnknownSecurity: 2,
  UnsupportedMessageType: 3,
  ApplicationNotAvailable: 4,
  ConditionallyRequiredFieldMissing: 5,
  NotAuthorized: 6,
  DeliverToFirmNotAvailable: 7,
} as const;

export const BUSINESS_REJECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Other',
  1: 'Unknown ID',
  2: 'Unknown Security',
  3: 'Unsupported Message Type',
  4: 'Application not available',
  5: 'Conditionally required field missing',
  6: 'Not authorized',
  7: 'DeliverTo firm not available at this time',
};
