namespace LmsCloud.Sis.Generation;

/// <summary>Fixed name and course lists the generator draws from. Changing them changes every generated package.</summary>
internal static class GeneratorCatalog
{
    public static readonly string[] FemaleNames =
    [
        "Olivia", "Emma", "Charlotte", "Amelia", "Sophia", "Mia", "Isabella", "Ava", "Evelyn", "Luna",
        "Harper", "Camila", "Sofia", "Scarlett", "Elizabeth", "Eleanor", "Emily", "Chloe", "Mila", "Violet",
        "Penelope", "Gianna", "Aria", "Abigail", "Ella", "Avery", "Hazel", "Nora", "Layla", "Lily",
        "Aurora", "Nova", "Ellie", "Madison", "Grace", "Isla", "Willow", "Zoe", "Riley", "Stella",
        "Ximena", "Priya", "Aaliyah", "Mei", "Fatima", "Anh", "Guadalupe", "Keiko", "Amara", "Siobhan",
    ];

    public static readonly string[] MaleNames =
    [
        "Liam", "Noah", "Oliver", "James", "Elijah", "Mateo", "Theodore", "Henry", "Lucas", "William",
        "Benjamin", "Levi", "Sebastian", "Jack", "Ezra", "Michael", "Daniel", "Leo", "Owen", "Samuel",
        "Hudson", "Alexander", "Asher", "Luca", "Ethan", "John", "David", "Jackson", "Joseph", "Mason",
        "Luke", "Matthew", "Julian", "Dylan", "Elias", "Jacob", "Maverick", "Gabriel", "Logan", "Aiden",
        "Santiago", "Arjun", "Jamal", "Wei", "Omar", "Minh", "Diego", "Kenji", "Kwame", "Declan",
    ];

    // A few names with an apostrophe, a hyphen or a space: emails and usernames keep only the letters.
    public static readonly string[] FamilyNames =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
        "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
        "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
        "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
        "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
        "Patel", "Chen", "Wang", "Singh", "Tran", "Okafor", "Yamamoto", "Kowalski", "Novak", "Haddad",
        "O'Brien", "O'Connor", "Garcia-Lopez", "Smith-Jones", "De La Cruz", "Van Dyke", "McAllister", "MacDonald", "Nakamura", "Abernathy",
    ];

    public static readonly string[] SchoolNames =
    [
        "Lincoln", "Washington", "Jefferson", "Roosevelt", "Kennedy", "Madison", "Franklin", "Adams", "Hamilton", "Monroe",
        "Lakeview", "Riverside", "Hillcrest", "Oak Grove", "Maple Ridge", "Cedar Park", "Pine Valley", "Willow Creek", "Sunset", "Meadowbrook",
        "Eastside", "Westwood", "Northgate", "Southview", "Parkside", "Brookside", "Fairview", "Highland", "Valley View", "Greenfield",
    ];

    public enum Level { Elementary, Middle, High }

    public sealed record LevelInfo(string SchoolSuffix, string[] Grades, (string Title, string Code, string Subject)[] Courses);

    // Course local index 0 in every school is the homeroom course; the others cycle through this list.
    public static readonly IReadOnlyDictionary<Level, LevelInfo> Levels = new Dictionary<Level, LevelInfo>
    {
        [Level.Elementary] = new("Elementary School", ["KG", "01", "02", "03", "04", "05"],
        [
            ("Reading", "READ", "Reading"), ("Writing", "WRIT", "English Language Arts"), ("Mathematics", "MATH", "Mathematics"),
            ("Science", "SCI", "Science"), ("Social Studies", "SOC", "Social Studies"), ("Art", "ART", "Fine Arts"),
            ("Music", "MUS", "Fine Arts"), ("Physical Education", "PE", "Physical Education"), ("Library", "LIB", "Reading"),
        ]),
        [Level.Middle] = new("Middle School", ["06", "07", "08"],
        [
            ("Math 6", "MATH6", "Mathematics"), ("Math 7", "MATH7", "Mathematics"), ("Pre-Algebra", "PALG", "Mathematics"),
            ("Earth Science", "ESCI", "Science"), ("Life Science", "LSCI", "Science"), ("Physical Science", "PSCI", "Science"),
            ("English 6", "ENG6", "English Language Arts"), ("English 7", "ENG7", "English Language Arts"), ("English 8", "ENG8", "English Language Arts"),
            ("World Geography", "WGEO", "Social Studies"), ("Ancient Civilizations", "ANCV", "Social Studies"), ("U.S. History 8", "USH8", "Social Studies"),
            ("Spanish Exploratory", "SPNX", "World Languages"), ("Physical Education", "PE", "Physical Education"), ("Art", "ART", "Fine Arts"),
            ("Band", "BAND", "Fine Arts"), ("Technology", "TECH", "Computer Science"),
        ]),
        [Level.High] = new("High School", ["09", "10", "11", "12"],
        [
            ("Algebra I", "ALG1", "Mathematics"), ("Geometry", "GEOM", "Mathematics"), ("Algebra II", "ALG2", "Mathematics"),
            ("Precalculus", "PCAL", "Mathematics"), ("Biology", "BIO", "Science"), ("Chemistry", "CHEM", "Science"),
            ("Physics", "PHYS", "Science"), ("English 9", "ENG9", "English Language Arts"), ("English 10", "ENG10", "English Language Arts"),
            ("English 11", "ENG11", "English Language Arts"), ("English 12", "ENG12", "English Language Arts"), ("World History", "WHIS", "Social Studies"),
            ("U.S. History", "USHIS", "Social Studies"), ("Government", "GOV", "Social Studies"), ("Spanish I", "SPN1", "World Languages"),
            ("Spanish II", "SPN2", "World Languages"), ("French I", "FRN1", "World Languages"), ("Physical Education", "PE", "Physical Education"),
            ("Art I", "ART1", "Fine Arts"), ("Concert Band", "BAND", "Fine Arts"), ("Computer Science Principles", "CSP", "Computer Science"),
            ("Health", "HLTH", "Health"),
        ]),
    };

    // Half the schools are elementary; then middle, then high: E, E, M, H, E, E, M, H, ...
    public static Level LevelOfSchool(int school) => (school % 4) switch { 0 or 1 => Level.Elementary, 2 => Level.Middle, _ => Level.High };

    /// <summary>Grade code to a number for birth dates: KG is 0, "01" is 1, ...</summary>
    public static int GradeNumber(string grade) => grade == "KG" ? 0 : int.Parse(grade, System.Globalization.CultureInfo.InvariantCulture);
}
