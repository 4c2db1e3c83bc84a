package seq2seq

import (
	"encoding/json"
	"fmt"
)

// extras keeps the fields of a config.json that a config struct does not
// know, so that saving a loaded model writes them back unchanged.
type extras map[string]json.RawMessage

// unmarshalKeeping decodes data into known (over the values it already
// holds: the defaults) and returns every field of data.
func unmarshalKeeping(data []byte, known any) (extras, error) {
	var all extras
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	if all == nil {
		return nil, fmt.Errorf("config is null, not a JSON object")
	}
	if err := json.Unmarshal(data, known); err != nil {
		return nil, err
	}
	return all, nil
}

// marshalMerging encodes known over the fields of e (known's values win),
// with sorted keys and indentation.
func marshalMerging(known any, e extras, set map[string]any) ([]byte, error) {
	k, err := json.Marshal(known)
	if err != nil {
		return nil, err
	}
	out := extras{}
	for name, v := range e {
		out[name] = v
	}
	var fields extras
	if err := json.Unmarshal(k, &fields); err != nil {
		return nil, err
	}
	for name, v := range fields {
		out[name] = v
	}
	for name, v := range set {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return json.MarshalIndent(out, "", "  ")
}
