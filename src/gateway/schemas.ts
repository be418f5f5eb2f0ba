/** Schemas shared by several resources: the error body and its standard responses. */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_error' }),
      message: z.string().openapi({ example: 'payload.name: Too small: expected string to have >=1 characters' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

export const errorResponses = {
  400: err('Bad input; `details.issues` names each bad field'),
  413: err('Body too large'),
  503: err('Temporal unreachable'),
} as const;
export const notFound = { 404: err('Unknown id') } as const;
export const conflict = { 409: err('State conflict') } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** A JSON request body for createRoute. */
export const jsonBody = <T>(schema: T, required = true) => ({ body: { content: { 'application/json': { schema } }, required } });
