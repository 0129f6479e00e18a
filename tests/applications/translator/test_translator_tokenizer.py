"""The translator's WordPiece tokenizer: CJK splitting and detokenization."""

from applications.translator.tokenizer import (
    RESERVED_TOKENS,
    TranslatorTokenizer,
    join_words,
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
