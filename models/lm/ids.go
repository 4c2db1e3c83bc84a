package lm

import (
	"encoding/json"
	"fmt"
)

// TokenIDs is a config.json field that holds one token id or a list of
// them (Llama 3's eos_token_id is [128001, 128008, 128009]); null is
// none. It is written back in the form it was read: one number for one
// id.
type TokenIDs []int

// UnmarshalJSON reads a number, a list of numbers or null.
func (t *TokenIDs) UnmarshalJSON(b []byte) error {
	var one *int
	if err := json.Unmarshal(b, &one); err == nil {
		*t = nil
		if one != nil {
			*t = TokenIDs{*one}
		}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("lm: token ids %s: want a number or a list of numbers", b)
	}
	*t = many
	return nil
}

// MarshalJSON writes one id as a number, several as a list, none as null.
func (t TokenIDs) MarshalJSON() ([]byte, error) {
	switch len(t) {
	case 0:
		return []byte("null"), nil
	case 1:
		return json.Marshal(t[0])
	}
	return json.Marshal([]int(t))
}
