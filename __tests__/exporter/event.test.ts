import { EventError } from '../../functions/exporter/errors';
import { formDecode, keyCandidates, parseEvent } from '../../functions/exporter/event';
import { eventBridgeEvent, formEncode, s3RecordsEvent } from './helpers/events';

const object = { key: 'proj/a b+c.csv', size: 12, etag: '0123abcd', versionId: 'v1', sequencer: '00617F08299329D189' };

describe('parseEvent', () => {
  test('EventBridge "Object Created": bucket, key as sent, size, ETag without quotes, version', () => {
    const e = eventBridgeEvent('hub', { ...object, etag: '"0123abcd"' });
    expect(parseEvent(e)).toEqual({
      objects: [
        {
          bucket: 'hub',
          key: 'proj/a b+c.csv',
          keyEncoding: 'undocumented',
          size: 12,
          etag: '0123abcd',
          versionId: 'v1',
          sequencer: '00617F08299329D189',
        },
      ],
      ignored: [],
    });
  });

  test('S3 notification records: keys are marked form-encoded; removals and other sources are ignored', () => {
    const e = s3RecordsEvent('hub', object);
    e.Records.push({ ...e.Records[0], eventName: 'ObjectRemoved:Delete' });
    const parsed = parseEvent(e);
    expect(parsed.objects).toEqual([
      {
        bucket: 'hub',
        key: 'proj/a+b%2Bc.csv',
        keyEncoding: 'form',
        size: 12,
        etag: '0123abcd',
        versionId: 'v1',
        sequencer: '00617F08299329D189',
      },
    ]);
    expect(parsed.ignored).toEqual(['Records[1]: aws:s3 ObjectRemoved:Delete']);
  });

  test('an unversioned object has no version; a folder marker of zero bytes is an object like any other', () => {
    const e = eventBridgeEvent('hub', { key: 'proj/dir/', size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0A' });
    expect(parseEvent(e).objects).toEqual([
      {
        bucket: 'hub',
        key: 'proj/dir/',
        keyEncoding: 'undocumented',
        size: 0,
        etag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0A',
      },
    ]);
  });

  test('a sequencer that is not hexadecimal is an error, not a guess', () => {
    const e = eventBridgeEvent('hub', { ...object, sequencer: 'not-hex' });
    expect(() => parseEvent(e)).toThrow(/expected "sequencer" to be hexadecimal, found "not-hex"/);
  });

  test('s3:TestEvent and other EventBridge S3 events are ignored, not errors', () => {
    expect(parseEvent({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'hub' })).toEqual({
      objects: [],
      ignored: ['s3:TestEvent'],
    });
    const deleted = { ...eventBridgeEvent('hub', object), 'detail-type': 'Object Deleted' };
    expect(parseEvent(deleted).ignored).toEqual(['EventBridge Object Deleted']);
  });

  test.each([
    ['null', null],
    ['an SQS message', { Records: 'nope' }],
    ['a scheduled event', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }],
  ])('%s is not an S3 event: an error, so it reaches the dead-letter queue', (_, e) => {
    expect(() => parseEvent(e)).toThrow(EventError);
  });

  test('an object without a key is an error naming what was found', () => {
    const e = eventBridgeEvent('hub', object);
    delete (e.detail.object as { key?: string }).key;
    expect(() => parseEvent(e)).toThrow(/expected a bucket name and an object key/);
  });
});

describe('keys', () => {
  test('form decoding: + is a space, %2B a plus; a lone % cannot be decoded', () => {
    expect(formDecode('a+b%2Bc%20d')).toBe('a b+c d');
    expect(formDecode('100%')).toBeUndefined();
    expect(formDecode(formEncode('proj/ünï cödé €+%=:/'))).toBe('proj/ünï cödé €+%=:/');
  });

  test('candidates: the likelier reading first, both when they differ, one when they do not', () => {
    expect(keyCandidates({ key: 'p/a+b', keyEncoding: 'form' })).toEqual(['p/a b', 'p/a+b']);
    expect(keyCandidates({ key: 'p/a+b', keyEncoding: 'undocumented' })).toEqual(['p/a+b', 'p/a b']);
    expect(keyCandidates({ key: 'p/plain.csv', keyEncoding: 'form' })).toEqual(['p/plain.csv']);
    expect(keyCandidates({ key: 'p/100%', keyEncoding: 'form' })).toEqual(['p/100%']);
  });
});
