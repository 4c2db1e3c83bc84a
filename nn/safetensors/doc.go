// Package safetensors reads and writes the safetensors file format, the
// checkpoint format of Hugging Face models and of goformer.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON, and
// the tensors' bytes. The JSON maps each tensor name to its dtype, shape
// and data offsets (relative to the end of the header), and may hold a
// "__metadata__" object of string pairs:
//
//	{"__metadata__": {"format": "pt"},
//	 "embeddings.word_embeddings.weight": {"dtype": "F32", "shape": [30522, 768], "data_offsets": [0, 93763584]}}
//
// Open maps a file into memory and reads nothing more until a tensor is
// asked for, so that opening a multi-gigabyte checkpoint is instant and
// only the tensors used are paged in:
//
//	f, err := safetensors.Open("model.safetensors")
//	if err != nil { ... }
//	defer f.Close()
//	w, err := f.Float32("embeddings.word_embeddings.weight")
//
// Tensor returns a tensor in the closest dtype that package tensor holds
// (F32, F64, F16, BF16 and I32 as themselves; other integers and booleans
// as Int32; 8-bit floats as Float32); Float32 converts any numeric dtype.
// Every tensor returned is a copy that outlives the File. View instead
// lends a tensor over the file's own memory for the length of a callback,
// without a copy: loaders copy weights from it straight into a model, so
// that loading needs no memory beyond the model's.
//
// WriteFile writes atomically: to a temporary file in the same folder,
// synced to disk, then renamed over the destination, so that a crash never
// leaves a truncated checkpoint behind.
//
// Files are validated as the reference implementation validates them: the
// header must be a JSON object of at most 100 MB, every dtype known, every
// tensor's byte length equal to its element count times its dtype size, and
// the data offsets must tile the data section exactly. Anything else is
// reported as an error wrapping ErrFormat, never a panic.
package safetensors
