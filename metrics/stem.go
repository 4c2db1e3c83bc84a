package metrics

import "github.com/goformer/goformer/tokenize/stem"

// PorterStemmer is nltk's PorterStemmer() in its default NLTK_EXTENSIONS
// mode, the stemmer of RougeScorer(use_stemmer=True). Set it as
// [ROUGE].Stemmer to score ROUGE with stemming.
var PorterStemmer Stemmer = stem.Porter{Mode: stem.NLTKExtensions}
