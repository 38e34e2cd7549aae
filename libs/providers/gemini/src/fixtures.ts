import { join } from 'node:path';
import { wireFixtures } from '@assay/testing';

export const { fixture, fixtureText, sseFixtureEvents } = wireFixtures(join(__dirname, 'fixtures'));
