import { ruleSuite } from '../helpers/rule-case.js';
import { GatherND } from './cases/indexing.js';

ruleSuite('GatherND', GatherND);
