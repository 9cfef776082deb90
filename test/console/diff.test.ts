import { describe, expect, it } from 'vitest';
import { diff } from '../../console/diff.js';
import { errorsAt, fieldErrors } from '../../console/errors.js';

describe('the console diff of two specs', () => {
  it('names changed, added and removed fields by JSON path, objects by key and arrays by item', () => {
    const a = { arch: ['x86_64'], container_settings: { envs: { MODE: 'a', OLD: '1' }, image_url: 'i:1' }, keep: 1 };
    const b = {
      arch: ['x86_64', 'arm64'],
      container_settings: { envs: { MODE: 'b', NEW: '2' }, image_url: 'i:1' },
      keep: 1,
    };
    expect(diff(a, b)).toEqual([
      { path: 'arch[1]', kind: 'added', after: 'arm64' },
      { path: 'container_settings.envs.MODE', kind: 'changed', before: 'a', after: 'b' },
      { path: 'container_settings.envs.NEW', kind: 'added', after: '2' },
      { path: 'container_settings.envs.OLD', kind: 'removed', before: '1' },
    ]);
  });

  it('finds nothing between equal specs, and a whole value when its type changes', () => {
    expect(diff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(diff({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: 'a', kind: 'changed', before: [1], after: { 0: 1 } }]);
    expect(diff({ a: [1, 2] }, { a: [1] })).toEqual([{ path: 'a[1]', kind: 'removed', before: 2 }]);
  });
});

describe('the fields an API error names', () => {
  it('reads every field of an IoTEdge, RFS and IAM validation message', () => {
    const iot = fieldErrors(
      'The request parameter is invalid. container_settings.image_url must NOT have fewer than 1 characters: it must be an image address such as swr.cn-north-4.myhuaweicloud.com/ns/app:1.0; arch[0] must be one of x86_64, arm32, arm64',
    );
    expect(iot.map((e) => e.field)).toEqual(['container_settings.image_url', 'arch[0]']);
    expect(errorsAt(iot, 'arch')).toEqual([
      { field: 'arch[0]', message: 'arch[0] must be one of x86_64, arm32, arm64' },
    ]);
    expect(errorsAt(iot, 'container_settings').length).toBe(1);
    expect(fieldErrors('Invalid parameter(s). provider_version must NOT have fewer than 5 characters')).toEqual([
      { field: 'provider_version', message: 'provider_version must NOT have fewer than 5 characters' },
    ]);
  });

  it('finds none in a message that names no field', () => {
    expect(fieldErrors('The app has already existed.')).toEqual([]);
    expect(fieldErrors('The app software package version is published. Take it off the shelf first.')).toEqual([]);
  });
});
