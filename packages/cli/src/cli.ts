#!/usr/bin/env node
// The `fv` command: saliency maps, Deep Dream and unit visualization for ONNX image classifiers.
import { main } from './main.js';

process.exitCode = await main(process.argv);
