// Preloaded (node --import) to take away Node's Buffer slicers, so that the
// portable string paths that browsers use run under test.
delete Buffer.prototype.latin1Slice;
delete Buffer.prototype.utf8Slice;
