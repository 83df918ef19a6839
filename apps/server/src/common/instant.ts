import { applyDecorators } from '@nestjs/common';
import { parseInstant, isInstant } from '@loa/protocol';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/**
 * An HTTP field that names an instant: ISO-8601 with `Z` or an offset ('2026-11-25T05:30:00+07:00'). It is
 * turned into the server's one form ('2026-11-24T22:30:00.000Z') before the controller sees it, so nothing
 * behind the edge parses or reformats it; anything else is refused with `validation_failed`.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    // A text that is not an instant is left as it came, for the check below to refuse.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseInstant(value) ?? value) : value)),
    ValidateBy({
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isInstant(value),
        defaultMessage: (args) => `${args?.property ?? 'Trường này'} phải là thời điểm có múi giờ, ví dụ 2026-11-25T05:30:00+07:00.`,
      },
    }),
  );
}
