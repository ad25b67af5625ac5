/* Stop-word lists: see stopwords.h. */
#include "kb/base/stopwords.h"

/* English function words and contractions, folded. */
const char *const kb_stopwords_en[] = {
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have",
    "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "me", "my",
    "of", "on", "or", "our", "should", "so", "some", "that", "the", "their", "them",
    "then", "there", "these", "this", "those", "to", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "would", "you",
    "your", "am", "is", "get", "getting", "way", "there", "possible", "anyone",
    "know", "want", "need", "please", "thanks", "hi", "hello",
    /* Contractions are function words too ("I'd like to ..."). */
    "i'd", "i've", "i'll", "you're", "you've", "you'd", "we're", "we've", "they're",
    "he's", "she's", "that's", "there's", "what's", "here's", "who's", "let's",
    "don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't",
    "weren't", "haven't", "hasn't", "wouldn't", "shouldn't", "couldn't", "wanna",
    "gonna",
};
const size_t kb_stopwords_en_count = sizeof kb_stopwords_en / sizeof kb_stopwords_en[0];
