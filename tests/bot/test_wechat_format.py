"""Replies shaped for the 公众号: 2,048-byte parts cut at line ends, buttons as numbered options."""

from bot.channels.wechat_format import MAX_TEXT_BYTES, chosen_option, split_reply, with_options

REGIONS = [
    {"title": "郴州市", "payload": '/inform{"region": "chenzhou"}'},
    {"title": "湖南省", "payload": '/inform{"region": "hunan"}'},
]


def test_a_short_reply_is_one_message():
    assert split_reply("【郴州市 · 生育津贴支付】\n办理时限：\n不超过18个工作日。") == [
        "【郴州市 · 生育津贴支付】\n办理时限：\n不超过18个工作日。"
    ]


def test_a_long_reply_is_cut_at_line_ends_into_parts_of_at_most_2048_bytes():
    lines = [f"{i}. 医保电子凭证或有效身份证件或社保卡复印件，加盖单位公章。" for i in range(1, 80)]
    text = "\n".join(lines)
    parts = split_reply(text)
    assert len(parts) > 1 and all(len(p.encode("utf-8")) <= MAX_TEXT_BYTES for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing cut inside a line
    assert all(p.split("\n")[0] in lines for p in parts)


def test_a_line_longer_than_a_message_is_cut_after_its_sentences_then_between_characters():
    sentence = "参保人员在异地就医时应当按照规定办理备案手续。"
    line = sentence * 120  # one line of about 8,000 bytes
    parts = split_reply(line)
    assert all(len(p.encode("utf-8")) <= MAX_TEXT_BYTES for p in parts) and "".join(parts) == line
    assert all(p.endswith("。") for p in parts)  # cut where a sentence ends
    # pieces of one line that fit together again are not given a line break between them
    assert split_reply("。".join(["备案"] * 400) + "\n末行") [-1].endswith("末行")
    assert "\n".join(split_reply("甲" * 700 + "。" + "乙" * 10)).count("\n") == 1
    no_stop = "备" * 1000  # 3,000 bytes without a sentence end
    parts = split_reply(no_stop)
    assert "".join(parts) == no_stop and all(len(p.encode("utf-8")) <= MAX_TEXT_BYTES for p in parts)


def test_buttons_become_numbered_options_and_a_bare_number_picks_one():
    text = with_options("各地的办理材料不同，请问您在哪个地区办理？", REGIONS)
    assert text.endswith("回复 1 选择 郴州市\n回复 2 选择 湖南省")
    assert chosen_option("2", REGIONS) == '/inform{"region": "hunan"}'
    assert chosen_option(" ２ ", REGIONS) == '/inform{"region": "hunan"}'  # full-width digit
    assert chosen_option("3", REGIONS) is None and chosen_option("0", REGIONS) is None
    assert chosen_option("2个", REGIONS) is None and chosen_option("2", []) is None
    assert with_options("你好", []) == "你好"
