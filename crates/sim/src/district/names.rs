//! Name lists (with apostrophes, hyphens, accents and non-Latin scripts) and
//! the ASCII folding that turns a name into an e-mail address.

/// Children's first names, mostly plain, some accented.
#[rustfmt::skip]
pub(crate) const CHILD_FIRST: &[&str] = &[
    "Liam", "Olivia", "Noah", "Emma", "Oliver", "Charlotte", "Elijah", "Amelia", "James", "Ava",
    "William", "Sophia", "Benjamin", "Isabella", "Lucas", "Mia", "Henry", "Evelyn", "Theodore",
    "Harper", "Jack", "Luna", "Levi", "Camila", "Alexander", "Gianna", "Jackson", "Elizabeth",
    "Mateo", "Eleanor", "Daniel", "Ella", "Michael", "Abigail", "Mason", "Sofia", "Sebastian",
    "Avery", "Ethan", "Scarlett", "Logan", "Emily", "Owen", "Aria", "Samuel", "Penelope", "Jacob",
    "Chloe", "Asher", "Layla", "Aiden", "Mila", "John", "Nora", "Joseph", "Hazel", "Wyatt",
    "Madison", "David", "Ellie", "Leo", "Lily", "Luke", "Nova", "Julian", "Isla", "Hudson", "Grace",
    "Grayson", "Violet", "Matthew", "Aurora", "Ezra", "Riley", "Gabriel", "Zoey", "Carter",
    "Willow", "Isaac", "Emilia", "Jayden", "Stella", "Luca", "Zoe", "Anthony", "Victoria", "Dylan",
    "Hannah", "Lincoln", "Addison", "Thomas", "Leah", "Maverick", "Lucy", "Elias", "Eliana",
    "Josiah", "Ivy", "Charles", "Everly", "Caleb", "Lillian", "Christopher", "Paisley", "Ezekiel",
    "Elena", "Miles", "Naomi", "Jaxon", "Maya", "Isaiah", "Natalie", "Andrew", "Kinsley", "Joshua",
    "Delilah", "Nathan", "Claire", "Robert", "Audrey", "Katherine", "José", "Zoë", "Łukasz",
    "Chloé", "André", "Renée", "Søren", "Björn", "Inés", "Noémie", "Åsa", "Jürgen", "François",
    "Marisol", "Dominik", "Aisha", "Kwame", "Priya", "Arjun", "Mei", "Hiroshi", "Yuki", "Santiago",
    "Valentina", "Diego", "Ximena", "Tomás", "Mariana",
];

/// Adults' first names (guardians and staff).
#[rustfmt::skip]
pub(crate) const ADULT_FIRST: &[&str] = &[
    "Mary", "Patricia", "Jennifer", "Linda", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
    "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily", "Donna",
    "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Sharon",
    "Cynthia", "Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Nicole",
    "Samantha", "Katherine", "Christine", "Rachel", "Carolyn", "Janet", "Maria", "Heather", "Diane",
    "Julie", "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph",
    "Thomas", "Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Andrew", "Paul", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason",
    "Edward", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen",
    "Larry", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory", "Frank", "Raymond",
    "Patrick", "Dennis", "Jerry", "Tyler", "Aaron", "José", "Jesús", "María", "Guadalupe", "Héctor",
    "Raúl", "Zoë", "Łukasz", "Małgorzata", "Gülşen", "Dagný", "Siobhán", "Seán", "Bríd", "Nguyễn",
    "Thảo", "Oluwaseun", "Chidi",
];

/// Last names, mostly plain; some with apostrophes, hyphens or accents.
#[rustfmt::skip]
pub(crate) const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
    "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
    "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood",
    "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry",
    "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher",
    "Vasquez", "Simmons", "Romero", "Jordan", "O'Brien", "O'Connor", "O'Neil", "D'Angelo",
    "Price-Williams", "Smith-Jones", "Garcia-Lopez", "Taylor-Reed", "Müller", "Muñoz", "Peña",
    "Núñez", "Gößling", "Kowalczyk", "Wiśniewski", "Dvořák", "Håkansson", "Ødegaard", "Çelik",
    "Brontë", "Le Blanc", "Van der Berg", "McDonald", "MacLeod", "St. John",
];

/// Non-Latin families: (first names, last names) per script.
pub(crate) const SCRIPTS: &[(&[&str], &[&str])] = &[
    (
        &["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"],
        &["王", "李", "张", "刘", "陈", "杨"],
    ),
    (
        &["Дмитрий", "Анна", "Мария", "Алексей", "Иван", "Ольга"],
        &[
            "Иванов",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Соколова",
            "Петрова",
        ],
    ),
    (
        &["محمد", "فاطمة", "أحمد", "مريم", "يوسف", "ليلى"],
        &["حسن", "علي", "إبراهيم", "عبد الله", "الخطيب"],
    ),
    (
        &["민준", "서연", "지우", "하준", "서윤"],
        &["김", "이", "박", "최", "정"],
    ),
];

/// Preferred first names for some legal ones.
const NICKNAMES: &[(&str, &str)] = &[
    ("William", "Will"),
    ("Benjamin", "Ben"),
    ("Alexander", "Alex"),
    ("Elizabeth", "Liz"),
    ("Michael", "Mike"),
    ("Christopher", "Chris"),
    ("Katherine", "Kate"),
    ("Robert", "Bobby"),
    ("Samuel", "Sam"),
    ("Joseph", "Joey"),
    ("Daniel", "Danny"),
    ("Matthew", "Matt"),
    ("Theodore", "Teddy"),
    ("Nathan", "Nate"),
    ("Victoria", "Tori"),
    ("Jennifer", "Jen"),
    ("Anthony", "Tony"),
];

/// A nickname for a legal first name, if the list knows one.
pub(crate) fn nickname(first: &str) -> Option<&'static str> {
    NICKNAMES
        .iter()
        .find(|(legal, _)| *legal == first)
        .map(|(_, nick)| *nick)
}

/// One entry of a non-empty list.
pub(crate) fn pick(rng: &mut fastrand::Rng, list: &[&'static str]) -> &'static str {
    if list.is_empty() {
        return "";
    }
    list[rng.usize(..list.len())]
}

/// The writing system of a family's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Latin letters (with accents now and then).
    Latin,
    /// One of [`SCRIPTS`].
    Other(usize),
}

impl Script {
    /// A random script: about 2 % of families write their names in another script.
    pub(crate) fn random(rng: &mut fastrand::Rng) -> Script {
        if rng.u32(..100) < 2 {
            Script::Other(rng.usize(..SCRIPTS.len()))
        } else {
            Script::Latin
        }
    }

    pub(crate) fn last(self, rng: &mut fastrand::Rng) -> &'static str {
        match self {
            Script::Latin => pick(rng, LAST),
            Script::Other(i) => pick(rng, SCRIPTS.get(i).map_or(LAST, |s| s.1)),
        }
    }

    pub(crate) fn child_first(self, rng: &mut fastrand::Rng) -> &'static str {
        match self {
            Script::Latin => pick(rng, CHILD_FIRST),
            Script::Other(i) => pick(rng, SCRIPTS.get(i).map_or(CHILD_FIRST, |s| s.0)),
        }
    }

    pub(crate) fn adult_first(self, rng: &mut fastrand::Rng) -> &'static str {
        match self {
            Script::Latin => pick(rng, ADULT_FIRST),
            Script::Other(i) => pick(rng, SCRIPTS.get(i).map_or(ADULT_FIRST, |s| s.0)),
        }
    }
}

/// Lowercase ASCII letters and digits of a name, accents folded ("Zoë" →
/// "zoe", "O'Brien" → "obrien"); `None` when a letter has no ASCII form or
/// nothing is left.
pub(crate) fn fold(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let folded = match c {
            '\'' | '-' | ' ' | '.' | '’' => "",
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
            'ý' | 'ÿ' => "y",
            'ž' | 'ź' | 'ż' => "z",
            'š' | 'ś' | 'ş' => "s",
            'ř' => "r",
            'ğ' => "g",
            'đ' | 'ð' => "d",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            'þ' => "th",
            'ả' | 'ạ' | 'ầ' => "a",
            'ễ' => "e",
            _ => return None,
        };
        out.push_str(folded);
    }
    (!out.is_empty()).then_some(out)
}

/// An e-mail address "first.last{number}@{domain}", or "{key}@{domain}"
/// (lowercase) when the name does not fold to ASCII.
pub(crate) fn email(first: &str, last: &str, number: usize, key: &str, domain: &str) -> String {
    match (fold(first), fold(last)) {
        (Some(first), Some(last)) => format!("{first}.{last}{number}@{domain}"),
        _ => format!("{}@{domain}", key.to_ascii_lowercase()),
    }
}
