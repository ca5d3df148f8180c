// Preloaded (node --import) to hide the global Buffer, as in browsers, so that
// the portable paths run under test: base64 by atob, strings by char codes,
// TextDecoder and the surrogatepass decoder instead of Node's slicers.
delete globalThis.Buffer;
