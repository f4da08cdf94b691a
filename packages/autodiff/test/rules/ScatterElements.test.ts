import { ruleSuite } from '../helpers/rule-case.js';
import { ScatterElements } from './cases/indexing.js';

ruleSuite('ScatterElements', ScatterElements);
