import { ruleSuite } from '../helpers/rule-case.js';
import { Gather } from './cases/indexing.js';

ruleSuite('Gather', Gather);
