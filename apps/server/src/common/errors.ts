import { HttpStatus } from '@nestjs/common';

/** Stable error codes of the API; clients branch on these, people read the message. */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'media_not_audio'
  | 'media_empty'
  | 'media_unreadable'
  | 'media_too_long'
  | 'media_too_sparse'
  | 'tts_failed'
  | 'media_not_ready'
  | 'range_not_satisfiable'
  | 'slot_in_past'
  | 'invalid_state'
  | 'live_source_unavailable'
  | 'live_source_not_audio'
  | 'live_source_forbidden'
  | 'too_many_requests'
  | 'enrolment_code_invalid'
  | 'enrolment_code_used'
  | 'enrolment_code_expired'
  | 'cap_invalid'
  | 'email_not_configured'
  | 'quiet_hours'
  | 'import_invalid'
  | 'not_declinable'
  | 'order_invalid'
  | 'internal';

export function statusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case 'validation_failed':
      return HttpStatus.BAD_REQUEST;
    case 'unauthorized':
    case 'invalid_credentials':
      return HttpStatus.UNAUTHORIZED;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    case 'not_found':
    case 'enrolment_code_invalid':
      return HttpStatus.NOT_FOUND;
    case 'enrolment_code_used':
    case 'enrolment_code_expired':
      return HttpStatus.GONE;
    case 'conflict':
    case 'media_not_ready':
    case 'invalid_state':
      return HttpStatus.CONFLICT;
    case 'payload_too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'media_not_audio':
    case 'media_empty':
    case 'media_unreadable':
    case 'media_too_long':
    case 'media_too_sparse':
    case 'slot_in_past':
    case 'live_source_unavailable':
    case 'live_source_not_audio':
    case 'live_source_forbidden':
    case 'cap_invalid':
    case 'email_not_configured':
    case 'quiet_hours':
    case 'import_invalid':
    case 'not_declinable':
    case 'order_invalid':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'range_not_satisfiable':
      return HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE;
    case 'too_many_requests':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'tts_failed':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'internal':
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}

/**
 * The one error type services throw. `message` is a plain Vietnamese sentence an operator understands;
 * `details` carries structured facts (which field, which clash) for the UI.
 */
export class LoaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LoaError';
  }

  get status(): HttpStatus {
    return statusOf(this.code);
  }
}
