/// <reference types="node" />
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import * as fs from 'fs';
import * as path from 'path';

import { numberSetting, stringSetting } from '../settings';

const SCHEMA: ISettingRegistry.ISchema = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '..', '..', 'schema', 'panel.json'),
    'utf-8'
  )
);

/** The panel's settings with these user values over the schema. */
function settingsWith(
  user: Record<string, unknown>
): ISettingRegistry.ISettings {
  return {
    schema: SCHEMA,
    get: (key: string) => ({
      composite: key in user ? user[key] : SCHEMA.properties?.[key]?.default
    })
  } as unknown as ISettingRegistry.ISettings;
}

describe('the panel settings schema', () => {
  it('gives every setting a title, a description and a default', () => {
    for (const [key, property] of Object.entries(SCHEMA.properties ?? {})) {
      expect([key, typeof property.title]).toEqual([key, 'string']);
      expect([key, typeof property.description]).toEqual([key, 'string']);
      expect([key, 'default' in property]).toEqual([key, true]);
    }
  });
});

describe('numberSetting', () => {
  it('reads the schema default when nothing is set', () => {
    const settings = settingsWith({});
    expect(numberSetting(settings, 'maxSteps')).toBe(10);
    expect(numberSetting(settings, 'outputLimit')).toBe(4000);
    expect(numberSetting(settings, 'maxFixAttempts')).toBe(3);
    expect(numberSetting(settings, 'maxUploadMB')).toBe(100);
  });

  it('keeps values within the schema bounds, whole for integers', () => {
    const settings = settingsWith({
      maxSteps: 99,
      outputLimit: 10,
      maxFixAttempts: 2.7,
      maxUploadMB: 0.5
    });
    expect(numberSetting(settings, 'maxSteps')).toBe(50);
    expect(numberSetting(settings, 'outputLimit')).toBe(500);
    expect(numberSetting(settings, 'maxFixAttempts')).toBe(2);
    expect(numberSetting(settings, 'maxUploadMB')).toBe(0.5);
  });

  it('falls back to the default for invalid values', () => {
    const settings = settingsWith({ maxSteps: 'many', maxUploadMB: 0 });
    expect(numberSetting(settings, 'maxSteps')).toBe(10);
    expect(numberSetting(settings, 'maxUploadMB')).toBe(100);
  });
});

describe('stringSetting', () => {
  it('trims strings and reads anything else as empty', () => {
    const settings = settingsWith({
      defaultModel: ' gpt-x ',
      uploadSubfolder: 3
    });
    expect(stringSetting(settings, 'defaultModel')).toBe('gpt-x');
    expect(stringSetting(settings, 'uploadSubfolder')).toBe('');
  });
});
