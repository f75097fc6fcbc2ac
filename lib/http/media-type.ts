/** A Content-Type's media type alone, lower-cased: parameters such as charset do not decide what a body is. */
export function mediaType(header: string | null): string {
  return (header ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}
