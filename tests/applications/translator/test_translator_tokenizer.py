"""The translator's tokenizers: WordPiece's CJK splitting and
detokenization, SentencePiece's lossless round trip."""

import pytest

from applications.translator.tokenizer import (
    RESERVED_TOKENS,
    TranslatorSentencePieceTokenizer,
    TranslatorTokenizer,
    default_target_tokenizer,
    join_words,
    learn_translator_tokenizer,
)


def test_join_words_removes_spaces_around_cjk_and_before_punctuation():
    assert join_words("我 喜 欢 茶 。") == "我喜欢茶。"
    assert join_words("汤 姆 likes green tea 。") == "汤姆likes green tea。"
    assert join_words("hi , tom . ( really ) !") == "hi, tom. (really)!"


def test_chinese_is_split_into_characters_and_round_trips():
    tokenizer = TranslatorTokenizer.from_texts(
        ["我喜欢茶。", "你喜欢茶吗？"], vocabulary_size=40, lowercase=False
    )
    vocabulary = tokenizer.get_vocabulary()
    assert vocabulary[:4] == RESERVED_TOKENS
    assert {"我", "喜", "欢", "茶", "。"} <= set(vocabulary)
    ids = tokenizer(["你喜欢茶。"])
    assert len(ids[0]) == 5
    assert tokenizer.detokenize(ids) == ["你喜欢茶。"]


def test_special_token_ids_are_fixed():
    tokenizer = TranslatorTokenizer.from_texts(["I like tea."], vocabulary_size=30)
    assert (tokenizer.pad_token_id, tokenizer.start_token_id) == (0, 2)
    assert tokenizer.end_token_id == 3
    assert tokenizer.token_to_id("[UNK]") == 1


# The lossless SentencePiece tokenizer of new translator presets.
FRENCH = ["C'est l'été.", "Je l'ai vu hier !", "N'est-ce pas ?", "Qu'en dis-tu ?"]
JAPANESE = ["私は猫が好きです。", "今日は寒いですね。", "お茶を飲みましょう。"]


def test_sentence_piece_special_token_ids_match_wordpiece():
    tokenizer = TranslatorSentencePieceTokenizer.from_texts(
        FRENCH * 5, vocabulary_size=300
    )
    assert tokenizer.get_vocabulary()[:4] == RESERVED_TOKENS
    assert (tokenizer.pad_token_id, tokenizer.start_token_id) == (0, 2)
    assert (tokenizer.end_token_id, tokenizer.token_to_id("[UNK]")) == (3, 1)


def test_sentence_piece_gives_french_and_japanese_back_exactly():
    # WordPiece gives "C' est" and "pas?" back (issue 13); SentencePiece
    # keeps every apostrophe, space and character, and spells what it never
    # saw (here "寿司", "Ç") in UTF-8 bytes rather than [UNK].
    tokenizer = TranslatorSentencePieceTokenizer.from_texts(
        FRENCH + JAPANESE, vocabulary_size=400
    )
    texts = FRENCH + JAPANESE + ["Ça va ?  寿司が好き。", " leading and trailing "]
    ids = [[int(i) for i in row] for row in tokenizer(texts)]
    assert tokenizer.detokenize(ids) == texts
    assert all(1 not in row for row in ids)
    unseen = [int(i) for i in tokenizer("寿")]
    assert [tokenizer.id_to_token(i) for i in unseen] == [
        "▁",
        "<0xE5>",
        "<0xAF>",
        "<0xBF>",
    ]


def test_learn_translator_tokenizer_picks_the_type():
    texts = ["I like tea.", "You like coffee."] * 5
    wordpiece = learn_translator_tokenizer(texts, 40, "wordpiece", lowercase=True)
    assert isinstance(wordpiece, TranslatorTokenizer)
    bpe = learn_translator_tokenizer(texts, 300, "bpe", lowercase=True)
    assert isinstance(bpe, TranslatorSentencePieceTokenizer)
    assert bpe.detokenize(bpe("I Like Tea.")) == "I Like Tea."  # never lowercased
    with pytest.raises(ValueError, match="`tokenizer_type` must be one of"):
        learn_translator_tokenizer(texts, 300, "bytes")


def test_chinese_and_japanese_targets_default_to_characters():
    assert default_target_tokenizer("bpe", ["我喜欢茶。", "Tom 喜欢咖啡。"]) == "char"
    assert default_target_tokenizer("unigram", JAPANESE) == "char"
    assert default_target_tokenizer("bpe", FRENCH) == "bpe"
    assert default_target_tokenizer("wordpiece", ["我喜欢茶。"]) == "wordpiece"
