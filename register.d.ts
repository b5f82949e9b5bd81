// rhttp/register is imported for its side effect only.
export {};
