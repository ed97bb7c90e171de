"""The hostile-input corpora are in the repository, whole, and their samples keep every class of payload."""
from collections import Counter

from tests import corpora


def test_every_corpus_is_there_whole():
    xss, sqli = corpora.load("xss_payloads.json"), corpora.load("sqli_payloads.json")
    assert len(xss) == 3029 and len({entry["source"] for entry in xss}) == 25
    assert len(sqli) == 1543 and all(entry["payload"] and entry["source"] for entry in sqli)
    assert len(corpora.load("open_redirect_payloads.json")) == 342
    assert len(corpora.load("blns.json")) == 515


def test_the_naughty_sample_keeps_every_class_and_is_the_same_every_time():
    strings = corpora.load("blns.json")
    in_corpus = Counter(map(corpora.naughty_class, strings))
    assert set(in_corpus) == set(corpora.NAUGHTY_CLASSES) and min(in_corpus.values()) >= 2, in_corpus
    sample = corpora.naughty_sample()
    in_sample = Counter(map(corpora.naughty_class, sample))
    assert set(in_sample) == set(in_corpus) and min(in_sample.values()) >= 2, in_sample
    assert sample == corpora.naughty_sample() and len(sample) < len(strings) // 6


def test_the_xss_sample_keeps_every_source():
    payloads = corpora.load("xss_payloads.json")
    sample = corpora.xss_sample(every=75)
    assert {entry["source"] for entry in sample} == {entry["source"] for entry in payloads}
    assert all(entry in payloads for entry in sample) and sample == corpora.xss_sample(every=75)
    assert len(corpora.xss_sample(every=10**6)) == 25  # at least one of each, however rare
