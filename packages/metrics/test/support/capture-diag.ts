import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

/** Routes `diag` warnings and errors into `messages` until `restore()`: what a test asserts "one warning" with. */
export function captureDiag(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const logger: DiagLogger = {
    error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}
