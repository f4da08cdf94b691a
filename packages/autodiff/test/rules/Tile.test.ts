import { ruleSuite } from '../helpers/rule-case.js';
import { Tile } from './cases/indexing.js';

ruleSuite('Tile', Tile);
