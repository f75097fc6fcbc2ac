// The entry of the tracer's own bundle (scripts/bundle-options.ts: TRACER_FILE): Powertools Tracer, nothing else.
module.exports = require('@aws-lambda-powertools/tracer');
