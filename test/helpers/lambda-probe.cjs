/**
 * Copied next to the built bundle (handler.js) for the runtime test: the bundle's own streaming entry
 * (`streamingHandler` of lib/stream.ts) under the real runtime, with answers the app never gives but
 * the entry must carry: cookies on an empty body, and a body that fails halfway.
 * The event names the answer: { "probe": "cookies" | "fails" }.
 */
'use strict';
const { streamingHandler } = require('./handler.js');

const answers = {
  cookies: () =>
    new Response(null, {
      status: 204,
      headers: [
        ['set-cookie', 'a=1; Path=/; HttpOnly'],
        ['set-cookie', 'b=2; Path=/'],
        ['x-probe', 'cookies'],
      ],
    }),
  fails: () => {
    let sent = false;
    const body = new ReadableStream({
      pull(controller) {
        if (sent) {
          controller.error(new Error('the body failed halfway'));
          return;
        }
        sent = true;
        controller.enqueue(new TextEncoder().encode('partial'));
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/plain' } });
  },
};

// `awslambda` is the runtime's global, defined before it loads this module.
exports.probe = streamingHandler(awslambda, async (event) => ({ kind: 'rest', response: answers[event.probe]() }));
