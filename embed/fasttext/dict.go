package fasttext

// EOS is the word fastText gives to each line end; it is in the vocabulary
// of every model and has no subwords.
const EOS = "</s>"

// Hash is fastText's 32-bit FNV-1a hash of a string, bytes taken as signed
// (as fastText's C++ does), so that ids of n-grams match its models.
func Hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(int32(int8(s[i])))
		h *= 16777619
	}
	return h
}

// subwords appends the bucket rows of the character n-grams of word (with
// the "<" and ">" boundary marks added here) to ids, offset by nwords, the
// way fastText's computeSubwords does: n-grams of minn..maxn characters
// (UTF-8 aware), without the one-character n-grams made of a boundary mark.
func subwords(word string, minn, maxn, bucket, nwords int, ids []int32) []int32 {
	if maxn <= 0 || bucket <= 0 {
		return ids
	}
	w := "<" + word + ">"
	for i := 0; i < len(w); i++ {
		if w[i]&0xC0 == 0x80 {
			continue
		}
		h := uint32(2166136261)
		j := i
		for n := 1; j < len(w) && n <= maxn; n++ {
			h = (h ^ uint32(int32(int8(w[j])))) * 16777619
			j++
			for j < len(w) && w[j]&0xC0 == 0x80 {
				h = (h ^ uint32(int32(int8(w[j])))) * 16777619
				j++
			}
			if n >= minn && !(n == 1 && (i == 0 || j == len(w))) {
				ids = append(ids, int32(nwords)+int32(h%uint32(bucket)))
			}
		}
	}
	return ids
}

// Subwords returns the character n-grams of word that fastText hashes, in
// its order, with the boundary marks: for "where" and minn=maxn=3, "<wh",
// "whe", "her", "ere", "re>". A character is a lead byte with the
// continuation bytes after it, as in fastText.
func Subwords(word string, minn, maxn int) []string {
	var out []string
	w := "<" + word + ">"
	for i := 0; i < len(w); i++ {
		if w[i]&0xC0 == 0x80 {
			continue
		}
		j := i
		for n := 1; j < len(w) && n <= maxn; n++ {
			j++
			for j < len(w) && w[j]&0xC0 == 0x80 {
				j++
			}
			if n >= minn && !(n == 1 && (i == 0 || j == len(w))) {
				out = append(out, w[i:j])
			}
		}
	}
	return out
}
