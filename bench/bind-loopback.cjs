// Preloaded (node --require) into the peers: kinesalite's CLI and kinesis-local both listen on every
// interface and offer no option for the address. The benchmark binds 127.0.0.1 only, so a listen()
// without a host gets 127.0.0.1. Nothing else about the peer changes.
'use strict';
const net = require('node:net');

const loopback = '127.0.0.1';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second !== 'string') args.splice(1, 0, loopback);
  } else if (first !== null && typeof first === 'object' && first.path === undefined && first.host === undefined) {
    args[0] = { ...first, host: loopback };
  }
  return listen.apply(this, args);
};
