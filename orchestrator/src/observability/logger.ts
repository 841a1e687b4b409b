import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs. Any key named like a credential is redacted wherever it appears, as a second line of
 * defence behind the rule that secrets are never passed to the logger at all.
 */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'orchestrator',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: {
        paths: ['authorization', 'password', 'token', 'secret', '*.authorization', '*.password', '*.token', '*.secret', 'req.headers.authorization', 'req.headers.cookie'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
