from worker.normalise import fold_width, normalise_text


def test_fold_width_ascii_forms():
    assert fold_width("ＡＢＣ１２３（）") == "ABC123()"
    assert fold_width("a\u3000b") == "a b"


def test_no_spaces_between_chinese_and_cjk_punctuation():
    assert normalise_text("本 年 新收 政府 信息") == "本年新收政府信息"
    assert normalise_text("(一 ) 予以 公开") == "（一）予以公开"
    assert normalise_text("1 . 属于 国家 秘密") == "1.属于国家秘密"
    assert normalise_text("只计 这一 情形 , 不计") == "只计这一情形，不计"


def test_latin_words_keep_their_space():
    assert normalise_text("PDF  file") == "PDF file"
    assert normalise_text("APP 下载") == "APP下载"


def test_misread_book_title_marks_become_brackets():
    assert normalise_text("本年收费金额《单位：万元）") == "本年收费金额（单位：万元）"
    assert normalise_text("部分公开《（区分处理的）") == "部分公开（区分处理的）"
    assert normalise_text("《条例》") == "《条例》"


def test_an_enumerations_mark_misread_after_a_leading_numeral_is_restored():
    assert normalise_text("二“上年结转政府信息公开申请数量") == "二、上年结转政府信息公开申请数量"
    assert normalise_text("一，本年新收") == "一、本年新收"
    assert normalise_text("一般公共预算支出") == "一般公共预算支出"  # a word that starts with 一
    assert normalise_text("共计一，二项") == "共计一，二项"  # only at the start


def test_a_latin_label_ending_in_a_bracket_keeps_both_brackets_half_width():
    # the closing bracket has nothing after it: that is no reason to make it full-width
    assert normalise_text("Carbon dioxide (CO2)") == "Carbon dioxide (CO2)"
    assert normalise_text("(HFCs)") == "(HFCs)"
    assert normalise_text("本年(单位:万元)") == "本年（单位：万元）"


def test_a_mark_after_chinese_punctuation_is_full_width():
    assert normalise_text("条例》,") == "条例》，"
