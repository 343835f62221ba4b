/**
 * @module isoflux/topic — typed topics: a publisher and subscriber sharing a codec, a topic bound to one
 * subject (optionally with a schema), and `domain.entity.event` subject names with their wildcard forms.
 */
export { withCodec, type CodecEndpoint } from './codec-endpoint.js';
export { bindTopic, type BoundTopic } from './bound-topic.js';
export { eventSubject, eventPattern, eventSubjects, parseEventSubject, type EventSubjectParts, type EventPattern, type DomainSubjects } from './event-subject.js';
