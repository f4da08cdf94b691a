import { ruleSuite } from '../helpers/rule-case.js';
import { ScatterND } from './cases/indexing.js';

ruleSuite('ScatterND', ScatterND);
