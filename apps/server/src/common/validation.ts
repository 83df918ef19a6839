import { ValidationError, ValidationPipe } from '@nestjs/common';
import { LoaError } from './errors';

function describe(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...describe(e.children ?? [], field)];
  });
}

/** The one validation pipe: unknown fields are refused, values are converted to their declared types. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = describe(errors);
      const names = fields.map((f) => f.field).join(', ');
      return new LoaError('validation_failed', `Dữ liệu gửi lên không hợp lệ ở trường: ${names}.`, { fields });
    },
  });
}
