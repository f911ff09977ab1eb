/** What a check expects of an answer, beyond its status or exit code: a pattern, values in a JSON body. */
import { z } from 'zod';
import type { JsonValue } from '../../../domain';

/** A regular expression, checked when the plan is read rather than when the step first runs. */
export const pattern = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${(error as Error).message}` });
  }
});

export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** `data.indicators.pageInfo.globalCount`, `items[0].id`: names joined by dots, list positions in brackets. */
export const JSON_PATH = /^[^.[\]\s]+(\[\d+\])*(\.[^.[\]\s]+(\[\d+\])*)*$/;

export const jsonExpectation = z
  .strictObject({
    path: z
      .string()
      .regex(
        JSON_PATH,
        'expected a path into the JSON answer such as data.indicators.pageInfo.globalCount or items[0].id',
      ),
    equals: jsonValue.optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .superRefine((check, ctx) => {
    if (
      check.equals === undefined &&
      check.min === undefined &&
      check.max === undefined &&
      check.exists === undefined
    ) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one of equals, min, max, exists beside the path' });
    }
  });
