import { parseConfig } from '@delta/server-kit';
import { describe, expect, it } from 'vitest';
import { ZConfig as CpConfig } from '../apps/cp-api/src/config.ts';
import { ZConfig as PaperConfig } from '../apps/paper-exchange/src/config.ts';
import { ZConfig as PlantConfig } from '../apps/plant/src/config.ts';
import { ZConfig as GatewayConfig } from '../apps/plant-gateway/src/config.ts';
import { ZConfig as PpConfig } from '../apps/pp-api/src/config.ts';
import { hostsFromEnv, SERVICES } from './services.ts';

const OPENABLE = {
  'paper-exchange': PaperConfig,
  'plant-gateway': GatewayConfig,
  'pp-api': PpConfig,
  'cp-api': CpConfig,
};

describe('listen addresses', () => {
  it('every service listens on 127.0.0.1 by default', () => {
    for (const [name, schema] of Object.entries({ ...OPENABLE, plant: PlantConfig }))
      expect(parseConfig(name, schema, {}).HOST, name).toBe('127.0.0.1');
  });

  it('HOST opens a service on purpose; Plant refuses anything but loopback', () => {
    for (const [name, schema] of Object.entries(OPENABLE))
      expect(parseConfig(name, schema, { HOST: '0.0.0.0' }).HOST, name).toBe('0.0.0.0');
    expect(() => parseConfig('plant', PlantConfig, { HOST: '0.0.0.0' })).toThrow(/HOST/);
  });

  it('npm start passes 127.0.0.1 unless <SERVICE>_HOST (or HOST, never to Plant) says otherwise', () => {
    expect(Object.values(hostsFromEnv({}))).toEqual(SERVICES.map(() => '127.0.0.1'));
    const opened = hostsFromEnv({ HOST: '0.0.0.0', PP_HOST: '192.0.2.10' });
    expect(opened).toEqual({
      'paper-exchange': '0.0.0.0',
      plant: '127.0.0.1',
      'plant-gateway': '0.0.0.0',
      'pp-api': '192.0.2.10',
      'cp-api': '0.0.0.0',
    });
    expect(hostsFromEnv({ PLANT_GATEWAY_HOST: '0.0.0.0' })['plant-gateway']).toBe('0.0.0.0');
    expect(hostsFromEnv({ PLANT_HOST: '0.0.0.0' }).plant).toBe('0.0.0.0'); // and Plant's config refuses it
  });
});
