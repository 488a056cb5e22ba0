"""The word pools the generator's text is drawn from.

Names, handle words, song titles, tags, caption pieces and OCR phrases in the style of the
agency's slideshows (relationships, dating advice, self-love). Only data: the modules that
compose names, captions and OCR text choose from these tuples.
"""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


VA_NAMES = _words(
    "Aileen Bea Camille Darlene Elmer Faye Gelo Hazel Ivy Jomar Kristine Lovely Marvin Nica "
    "Princess Queenie Rhea Sheena Tristan Vince Wendell Xyra Yvette Zeny Angelica Bryan Cherry "
    "Dindo Edlyn Francis Gemma Honey Irene Jericho Kimberly Lester Mylene Noel Paolo Raffy "
    "Shiela Tonette Venus Weng Yuri Zaldy Ronel Joanna Mariel Rachelle Jenny Carlo Mika Arnel "
    "Loraine Divine Ethan Grace Joyce Leah Maricel Rodel Ariel Bernadette Cyrus Dexter"
)
VA_HANDLE_NAMES = _words("jxmie rhnz kclyn mrgrt dnxl bxbyj ysabl trshk pxlo zhyn")
PERSONAS = _words(
    "miriam naomi mia mika lena sofia ava chloe ella luna zoe nina maya kira lily rosa "
    "aria bella clara daisy emma freya gigi hana iris jade kayla lola mila nora olive "
    "piper quinn ruby sasha tara vera willa yara zara elle amara celia dana eva gemma "
    "hailey ivy jenna kate leah mae noa paige rhea sienna talia una violet"
)
HANDLE_WORDS = _words(
    "glow glows matters tales faves dose sassy rollqueen sips slides gaze snaps gloom peach "
    "daily vibes diary notes thoughts era mood core writes talks edits lately soft dreamy "
    "muse heart honey bloom petal quotes advice secrets letters pages journal sunny cozy "
    "sweet lovely wild calm shine spark aura blush velvet"
)
SONG_TITLES = _words(
    "Original Sound|original sound|son original|som original|sonido original|"
    "slowed reverb edit|sad piano loop|late night drive|i miss the old you|cant let go|"
    "golden hour sped up|lovers in the rain|midnight call|paper hearts remix|"
    "say it back pt. 2|softer than you think|no more drama|chasing the summer|"
    "blue jeans daydream|running back to you|city lights acoustic|forever isnt real|"
    "the one that got away slowed|break my heart again|heartbeat in stereo|"
    "you were my favorite|dancing alone tonight|wish you well|over thinking it|"
    "cherry wine cover|nothing lasts forever|velvet sky instrumental|love me right|"
    "stay a little longer|hopeless romantic|good days only|tell me why|"
    "3am thoughts|pink moon lofi|all my friends are married",
    sep="|",
)
SHEET_TAGS = _words(
    "fyp foryou viral relatable relationships situationship datingadvice selflove healing "
    "girltalk quotes slideshow photomode trending advice love couple redflags greenflags "
    "womensupportingwomen motivation mentalhealth breakup glowup confidence"
)
CAPTION_TAGS = _words(
    "#fyp #foryou #foryoupage #viral #fypシ #relatable #relationship #situationship "
    "#datingadvice #selflove #healing #girltalk #quotes #slideshow #photomode #xyzbca "
    "#trending #advice #sad #love #couple #redflags #greenflags #womensupportingwomen #fypage"
)
CAPTION_HOOKS = (
    "if he wanted to he would",
    "pov: you finally stopped explaining yourself",
    "tell me you're healing without telling me",
    "normalize leaving when it feels wrong",
    "3 signs he's not the one, save this",
    "things i wish i knew at 21",
    "reminder: you don't owe anyone a second chance",
    'he said "i\'m not ready" and married the next girl',
    'the "it\'s not that deep" era',
    "save this for later, trust me",
    "not me crying over a situationship again",
    "read this if you're overthinking tonight",
    "the bar is on the floor, and he still tripped",
    "soft life, no drama, only peace",
    "you deserve someone who texts back",
    "if you know, you know",
    "be honest, would you stay?",
    "this one hit different",
    "send this to your bestie",
    "healing isn't linear, be patient with yourself",
    'when he says "we\'re just friends"',
    "choose the one who chooses you",
    "protect your peace at all costs",
    "comment your zodiac sign",
    "part 2? let me know",
)
CAPTION_EXTRAS = (
    "🥹",
    "💔",
    "✨",
    "😭",
    "🫶",
    "🤍",
    "🌸",
    "💅",
    "😮‍💨",
    "🙂‍↕️",
    "❤️‍🩹",
    "🔥",
    "¯\\_(ツ)_/¯",
    "(╥﹏╥)",
    "\\o/",
)
CAPTION_FOREIGN = (
    "te lo juro que sí",
    "amor próprio é tudo",
    "любовь — это выбор",
    "愛してるって言って",
    "사랑해 진짜로",
    "الحب الحقيقي",
    "ความรักไม่ใช่เรื่องง่าย",
    "l'amour, toujours",
)
SCRAPE_SOUNDS = (
    "original sound",
    "som original",
    "sonido original",
    "son original",
    "Originalton",
    "suara asli",
)
SCRAPE_SONGS = (
    "late night drive - nightcall",
    "i miss the old you (slowed)",
    "golden hour (sped up)",
    "lovers in the rain",
    "paper hearts - remix",
    "softer than you think",
    "3am thoughts",
)
OCR_PHRASES = (
    "if he wanted to he would",
    "tell me the letter of the name that broke you",
    "good morning text",
    "where are the men",
    "can you still love me when im overthinking",
    "social media has ruined expectations of a man in a relationship",
    "he is supposed to be your partner not your atm",
    "true love is priceless",
    "idk who needs to hear this but",
    "how can you expect him to communicate with you",
    "what song do you play when it hurts most",
    "two weeks relationship",
    "a 23 year old man does not need to buy you expensive bags",
    "the real question is",
    "you dont have to explain yourself",
    "that girl with tattoos can",
    "read this when you miss him",
    "signs you are healing",
    "green flags in a man",
    "normalize choosing yourself",
    "it was never that deep",
    "you will find someone better",
    "stop texting him first",
    "this is your sign to leave",
)
OCR_JUNK = ("s", "ss", "ae", "ee", "a", "_", "x", "oe", "y", "33", "4", "wr", "j", "é", "i")
OCR_SUBSTITUTES = {"i": "l", "l": "i", "o": "e", "e": "c", "a": "o", "n": "m", "u": "v"}
OCR_ACCENTS = {"e": "é", "a": "á", "o": "ó"}  # OCR reads specks on the image as accents
