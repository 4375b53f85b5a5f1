// `when.cel` as a verdict, for every target: the expression's value, or the error that kept it
// from having one (reported, never acted on).
import { evaluateCel, toCelValue, type CelProgram } from "../core/cel.ts";
import type { Verdict } from "./verdict.ts";

export function celVerdict(program: CelProgram, object: unknown, now: number, age: number): Verdict {
  const outcome = evaluateCel(program, toCelValue(object), now, age);
  if (!outcome.ok) return { holds: false, error: outcome.error, reason: `cel error: ${outcome.error} (in ${program.source})` };
  return { holds: outcome.value, reason: `cel: ${program.source} is ${outcome.value}` };
}
