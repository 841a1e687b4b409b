import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  channelName,
  fixApplicationMode,
  IANA_TIME_ZONE_PATTERN,
  SCHEMA_DIALECT,
  TIME_OF_DAY_PATTERN,
  beginString,
  clientTlsSection,
  defaultApplVerId,
  fixDataDictionary,
  fixId,
  fixLogonCredentials,
  fixLogonTimeout,
  fixMaxMessageSize,
  fixMessageStoreSection,
  fixSendingTimeTolerance,
  fixtNeedsApplVerId,
  fixValidateIncoming,
  host,
  port,
  reconnectBackoff,
  seconds,
  section,
  toggle,
} from './schema-parts.ts';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export const fixInitiator: PluginManifest = {
  type: 'fix-initiator',
  title: 'FIX initiator',
  description: 'Connects out to a FIX counterparty (a venue or a broker) and keeps one FIX session logged on.',
  version: '1.0.0',
  direction: 'bidirectional',
  // One session has one pair of sequence numbers: two pods logged on at once would corrupt them.
  exclusive: true,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'FIX initiator',
    type: 'object',
    additionalProperties: false,
    required: ['session', 'connection'],
    properties: {
      session: section('Session', {
        title: 'Session',
        description: 'FIX session identity and session-level behaviour, as agreed with the counterparty.',
        'x-order': 1,
        required: ['beginString', 'senderCompId', 'targetCompId'],
        properties: {
          beginString: beginString(1),
          defaultApplVerId: defaultApplVerId(2),
          senderCompId: fixId({
            title: 'SenderCompID',
            description: 'Our CompID (tag 49), as assigned by the counterparty.',
            'x-order': 3,
          }),
          senderSubId: fixId({
            title: 'SenderSubID',
            description: 'Our SubID (tag 50), when the counterparty requires one.',
            'x-order': 4,
            'x-advanced': true,
          }),
          senderLocationId: fixId({
            title: 'SenderLocationID',
            description: 'Our LocationID (tag 142), when the counterparty requires one.',
            'x-order': 5,
            'x-advanced': true,
          }),
          targetCompId: fixId({
            title: 'TargetCompID',
            description: "The counterparty's CompID (tag 56).",
            'x-order': 6,
          }),
          targetSubId: fixId({
            title: 'TargetSubID',
            description: "The counterparty's SubID (tag 57), when required.",
            'x-order': 7,
            'x-advanced': true,
          }),
          heartBtInt: seconds(30, 1, 3600, {
            title: 'Heartbeat interval',
            description: 'HeartBtInt (tag 108) proposed on Logon, in seconds.',
            'x-order': 8,
          }),
          resetOnLogon: toggle(false, {
            title: 'Reset on logon',
            description: 'Send ResetSeqNumFlag=Y (tag 141) on every Logon, starting both sequence numbers at 1.',
            'x-order': 9,
          }),
          resetOnLogout: toggle(false, {
            title: 'Reset on logout',
            description: 'Reset both sequence numbers to 1 after a clean Logout.',
            'x-order': 10,
            'x-advanced': true,
          }),
          resetOnDisconnect: toggle(false, {
            title: 'Reset on disconnect',
            description: 'Reset both sequence numbers to 1 whenever the connection drops, even without a Logout.',
            'x-order': 11,
            'x-advanced': true,
          }),
          dataDictionary: fixDataDictionary(12),
          validateIncoming: fixValidateIncoming(13),
        },
        allOf: [fixtNeedsApplVerId()],
      }),
      connection: section('Connection', {
        title: 'Connection',
        description: 'Where to connect and how to retry.',
        'x-order': 2,
        required: ['host', 'port'],
        properties: {
          host: host({
            title: 'Host',
            description: 'Host name or IP address of the counterparty FIX gateway.',
            'x-order': 1,
          }),
          port: port({
            title: 'Port',
            description: 'TCP port of the counterparty FIX gateway.',
            'x-order': 2,
          }),
          ...reconnectBackoff(3, 5),
          connectTimeoutSeconds: seconds(10, 1, 300, {
            title: 'Connect timeout',
            description: 'Seconds to wait for the TCP (and TLS) connection before counting the attempt as failed.',
            'x-order': 5,
            'x-advanced': true,
          }),
          logonTimeoutSeconds: fixLogonTimeout(6, "Seconds to wait for the counterparty's Logon reply before disconnecting."),
          logoutTimeoutSeconds: seconds(2, 1, 300, {
            title: 'Logout timeout',
            description: "Seconds to wait for the counterparty's Logout reply before dropping the connection.",
            'x-order': 7,
            'x-advanced': true,
          }),
        },
      }),
      tls: clientTlsSection({
        order: 3,
        description: 'TLS to the counterparty gateway, optionally with a client certificate.',
        switchable: true,
        serverName: true,
      }),
      authentication: section('Authentication', {
        title: 'Authentication',
        description: 'Credentials sent in the Logon message, for venues that require them.',
        'x-order': 4,
        properties: {
          ...fixLogonCredentials(1, {
            username: 'Username (tag 553) sent on Logon. Empty: not sent.',
            password: 'Password (tag 554) sent on Logon. Write-only.',
          }),
        },
        dependentRequired: { password: ['username'] },
      }),
      schedule: section('Schedule', {
        title: 'Schedule',
        description: 'When the session is up. Without a schedule the adapter stays logged on around the clock.',
        'x-order': 5,
        required: ['startTime', 'endTime'],
        properties: {
          startTime: {
            type: 'string',
            pattern: TIME_OF_DAY_PATTERN,
            title: 'Start time',
            description: 'Time of day (HH:MM:SS, in the time zone below) at which the adapter logs on.',
            'x-order': 1,
          },
          endTime: {
            type: 'string',
            pattern: TIME_OF_DAY_PATTERN,
            title: 'End time',
            description:
              'Time of day (HH:MM:SS) at which the adapter logs out. Earlier than the start time: the session ' +
              'runs overnight. Equal to it: the session never stops on the listed days.',
            'x-order': 2,
          },
          timeZone: {
            type: 'string',
            maxLength: 64,
            pattern: IANA_TIME_ZONE_PATTERN,
            default: 'UTC',
            title: 'Time zone',
            description: 'IANA time zone of the start and end times, such as UTC, Europe/London or America/New_York.',
            'x-order': 3,
          },
          weekdays: {
            type: 'array',
            items: { type: 'string', enum: WEEKDAYS },
            uniqueItems: true,
            minItems: 1,
            default: [...WEEKDAYS],
            title: 'Days',
            description: 'Days on which the session starts at the start time.',
            'x-order': 4,
            'x-widget': 'select',
          },
          dailyReset: toggle(false, {
            title: 'Reset sequence numbers daily',
            description:
              'Start both sequence numbers at 1 at every start time. Off: they carry over from one day to the next.',
            'x-order': 5,
          }),
        },
      }),
      application: fixApplicationMode(7),
      subscribeChannel: channelName({
        title: 'Outbound channel',
        description:
          'Crosswire channel whose messages are sent on the session while it is logged on, in order, each exactly once across reconnects and failovers (the channel position moves in the same database write that stores the sent message for resends). The message type comes from the message (its msgType header or tag 35), the header fields from the session. Empty: the adapter only receives.',
        'x-order': 8,
      }),
      messageStore: fixMessageStoreSection(9),
      limits: section('Limits', {
        title: 'Limits',
        description: 'Safety limits on what the counterparty may send.',
        'x-order': 6,
        properties: {
          maxMessageSize: fixMaxMessageSize(1),
          sendingTimeToleranceSeconds: fixSendingTimeTolerance(2),
          resendChunkSize: {
            type: 'integer',
            minimum: 0,
            maximum: 1000000,
            default: 0,
            title: 'Resend request chunk size',
            description:
              'Largest number of messages asked for in one ResendRequest (tag 35=2), for venues that cap it. ' +
              '0: the whole gap at once.',
            'x-order': 3,
            'x-advanced': true,
          },
        },
      }),
    },
  },
};
