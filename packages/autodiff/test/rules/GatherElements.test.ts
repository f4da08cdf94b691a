import { ruleSuite } from '../helpers/rule-case.js';
import { GatherElements } from './cases/indexing.js';

ruleSuite('GatherElements', GatherElements);
