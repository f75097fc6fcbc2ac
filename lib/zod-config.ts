/**
 * zod's settings for this process. An entry point imports this module before anything else, because zod
 * reads them as each schema is built, and the SDK builds hundreds as it loads.
 *
 * `jitless`: by default zod compiles a parser (`new Function`) for each object schema the first time it
 * parses one. A warm container reuses those parsers, but at a cold start every parse is a first parse,
 * and compiling costs more than it saves: without it the handler's part of a client's first tool call
 * is about 12 ms shorter (`npm run bench:coldstart`), while a warm parse of a 100-workspace list takes
 * about 0.6 ms longer (`npm run bench:parse`), beside a Coder round trip of tens of milliseconds. It also
 * means no code is generated from strings at run time.
 */
import * as z from 'zod';

z.config({ jitless: true });
