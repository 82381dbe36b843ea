using System.Globalization;
using System.Text;
using static LmsCloud.Sis.Generation.GeneratorCatalog;
using static LmsCloud.Sis.OneRosterHeaders;

namespace LmsCloud.Sis.Generation;

/// <summary>
/// Writes a deterministic, realistic OneRoster 1.1 or 1.2 bulk CSV package for a large district (load tests, import
/// benchmarks, "1% changed" re-imports). One <see cref="Random"/> seeded with <see cref="GeneratorOptions.Seed"/> is
/// drawn in a fixed order, so the same options always give the same bytes.
/// </summary>
/// <remarks>
/// Layout: one school per ~500 students (elementary, elementary, middle, high, repeating); students, teachers,
/// courses and classes are split evenly over the schools in sourcedId order. Course 0 of every school is its
/// homeroom course. Each class has one primary teacher from its school; each student takes up to
/// <see cref="GeneratorOptions.EnrollmentsPerStudent"/> distinct random classes of their school. Enrollment ids:
/// first one teacher enrollment per class, then the student enrollments.
/// </remarks>
public static class RosterPackageGenerator
{
    public const string SystemName = "GeneratorSIS";
    public const string SystemCode = "gen";

    const string DistrictId = "org-0001";
    const string SchoolYearId = "term-2027";
    const string Semester1Id = "term-2027-s1";
    const string Semester2Id = "term-2027-s2";
    const string EmailDomain = "generated.example";

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    static readonly HashSet<string> WrittenFiles = ["orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics", "roles"];

    public static IReadOnlyDictionary<string, int> Generate(string outputDirectory, GeneratorOptions options, IProgress<(string File, int Rows)>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Directory.CreateDirectory(outputDirectory);
        return new Run(outputDirectory, options, progress).Execute();
    }

    static void Validate(GeneratorOptions o)
    {
        if (o.Students < 1) throw new ArgumentOutOfRangeException(nameof(o.Students), "At least one student");
        if (o.Teachers < 1) throw new ArgumentOutOfRangeException(nameof(o.Teachers), "At least one teacher");
        if (o.Classes < 1) throw new ArgumentOutOfRangeException(nameof(o.Classes), "At least one class");
        if (o.EnrollmentsPerStudent < 0) throw new ArgumentOutOfRangeException(nameof(o.EnrollmentsPerStudent));
        if (o.GuardiansPerStudent is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(o.GuardiansPerStudent), "A fraction between 0 and 1");
        if (o.ChangedFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(o.ChangedFraction), "A fraction between 0 and 1");
        if (o.Version is not ("1.1" or "1.2")) throw new ArgumentOutOfRangeException(nameof(o.Version), "\"1.1\" or \"1.2\"");
        ArgumentException.ThrowIfNullOrWhiteSpace(o.DistrictName);
    }

    /// <summary>Index range [Start, End) of part <paramref name="part"/> when <paramref name="total"/> items are split evenly.</summary>
    static (int Start, int End) Split(int total, int parts, int part) =>
        ((int)((long)total * part / parts), (int)((long)total * (part + 1) / parts));

    /// <summary>
    /// True for exactly round(total × fraction) of the indexes 0..total-1, spread evenly (every k-th). Uses no random
    /// numbers, so selecting changed students never shifts the random sequence of the base package.
    /// </summary>
    internal static bool Picked(int index, int count, int total) =>
        (long)(index + 1) * count / total > (long)index * count / total;

    static int CountFor(double fraction, int total) => (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);

    static string Id(string prefix, int number, int width) => prefix + number.ToString(Inv).PadLeft(width, '0');
    static string SchoolId(int school) => Id("sch-", school + 1, 3);
    static string CourseId(int course) => Id("crs-", course + 1, 5);
    static string ClassId(int cls) => Id("cls-", cls + 1, 5);
    static string StudentId(int student) => Id("stu-", student + 1, 6);
    static string TeacherId(int teacher) => Id("tch-", teacher + 1, 4);
    static string GuardianId(int guardian) => Id("grd-", guardian + 1, 6);

    /// <summary>Lower-case ASCII letters only: "O'Brien" → "obrien", "De La Cruz" → "delacruz".</summary>
    static string Slug(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
            if (char.IsAsciiLetter(c)) sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }

    static string Bool(bool value) => value ? "true" : "false";

    sealed class Run(string directory, GeneratorOptions o, IProgress<(string File, int Rows)>? progress)
    {
        readonly Random rng = new(o.Seed);
        readonly bool v12 = o.Version == "1.2";
        readonly int schools = Math.Max(1, (o.Students + 499) / 500);
        readonly Dictionary<string, int> counts = [];

        // Per-student facts needed by more than one file (drawn once, in users.csv order).
        readonly sbyte[] studentGrade = new sbyte[o.Students];     // grade number, KG = 0
        readonly bool[] studentFemale = new bool[o.Students];
        readonly List<(int Student, int Family)> guardians = [];   // guardian index → student and family name

        int Courses => Math.Max(schools, o.Classes / 10);

        public IReadOnlyDictionary<string, int> Execute()
        {
            WriteManifest();
            WriteOrgs();
            WriteAcademicSessions();
            WriteCourses();
            WriteClasses();
            WriteUsers();
            if (v12) WriteRoles();
            WriteEnrollments();
            WriteDemographics();
            return counts;
        }

        CsvFileWriter Open(string file, string[] header) => new(directory, file, progress, header);

        void Done(CsvFileWriter w, string file) => counts[file] = w.Rows;

        void WriteManifest()
        {
            using var w = Open("manifest.csv", ["propertyName", "value"]);
            w.Row("manifest.version", "1.0");
            w.Row("oneroster.version", o.Version);
            foreach (var file in v12 ? Manifest12Files : Manifest11Files)
                w.Row("file." + file, WrittenFiles.Contains(file) ? "bulk" : "absent");
            w.Row("source.systemName", SystemName);
            w.Row("source.systemCode", SystemCode);
            Done(w, "manifest.csv");
        }

        void WriteOrgs()
        {
            using var w = Open("orgs.csv", OrgsHeader);
            w.Row(DistrictId, "", "", o.DistrictName, "district", "9900001", "");
            for (var s = 0; s < schools; s++)
                w.Row(SchoolId(s), "", "", SchoolName(s), "school", "9900001" + (s + 1).ToString("D5", Inv), DistrictId);
            Done(w, "orgs.csv");
        }

        static string SchoolName(int s)
        {
            // (name, level) pairs repeat every 60 schools; number the repeats.
            var name = $"{SchoolNames[s % SchoolNames.Length]} {Levels[LevelOfSchool(s)].SchoolSuffix}";
            return s < 60 ? name : $"{name} {(s / 60 + 1).ToString(Inv)}";
        }

        void WriteAcademicSessions()
        {
            using var w = Open("academicSessions.csv", SessionsHeader);
            w.Row(SchoolYearId, "", "", "2026-2027 School Year", "schoolYear", "2026-08-15", "2027-06-10", "", "2027");
            w.Row(Semester1Id, "", "", "Fall Semester 2026", "semester", "2026-08-15", "2026-12-18", SchoolYearId, "2027");
            w.Row(Semester2Id, "", "", "Spring Semester 2027", "semester", "2027-01-05", "2027-06-10", SchoolYearId, "2027");
            w.Row("term-2027-gp1", "", "", "Quarter 1", "gradingPeriod", "2026-08-15", "2026-10-16", Semester1Id, "2027");
            w.Row("term-2027-gp2", "", "", "Quarter 2", "gradingPeriod", "2026-10-19", "2026-12-18", Semester1Id, "2027");
            w.Row("term-2027-gp3", "", "", "Quarter 3", "gradingPeriod", "2027-01-05", "2027-03-19", Semester2Id, "2027");
            w.Row("term-2027-gp4", "", "", "Quarter 4", "gradingPeriod", "2027-03-22", "2027-06-10", Semester2Id, "2027");
            Done(w, "academicSessions.csv");
        }

        static readonly string[] CycleSuffixes = ["Honors", "Advanced", "Enrichment"];

        /// <summary>Course number <paramref name="local"/> within a school of the given level (0 = homeroom).</summary>
        static (string Title, string Code, string Subject) CourseOf(Level level, int local)
        {
            if (local == 0) return ("Homeroom", "HR", "Homeroom");
            var list = Levels[level].Courses;
            var (title, code, subject) = list[(local - 1) % list.Length];
            var cycle = (local - 1) / list.Length; // more courses than the catalog: "Biology Honors", "Biology Section 5", ...
            if (cycle == 0) return (title, code, subject);
            var suffix = cycle <= CycleSuffixes.Length ? CycleSuffixes[cycle - 1] : "Section " + (cycle + 1).ToString(Inv);
            return ($"{title} {suffix}", $"{code}-{(cycle + 1).ToString(Inv)}", subject);
        }

        void WriteCourses()
        {
            using var w = Open("courses.csv", CoursesHeader);
            for (var s = 0; s < schools; s++)
            {
                var level = LevelOfSchool(s);
                var grades = string.Join(',', Levels[level].Grades);
                var (start, end) = Split(Courses, schools, s);
                for (var c = start; c < end; c++)
                {
                    var (title, code, subject) = CourseOf(level, c - start);
                    w.Row(CourseId(c), "", "", SchoolYearId, title, code, grades, SchoolId(s), subject, "");
                }
            }
            Done(w, "courses.csv");
        }

        void WriteClasses()
        {
            using var w = Open("classes.csv", ClassesHeader);
            for (var s = 0; s < schools; s++)
            {
                var level = LevelOfSchool(s);
                var grades = string.Join(',', Levels[level].Grades);
                var (courseStart, courseEnd) = Split(Courses, schools, s);
                var courseCount = courseEnd - courseStart;
                var (start, end) = Split(o.Classes, schools, s);
                for (var c = start; c < end; c++)
                {
                    var local = c - start;
                    var courseLocal = local % courseCount;
                    var section = local / courseCount + 1;
                    var (title, code, subject) = CourseOf(level, courseLocal);
                    // Three draws per class, always, so the sequence does not depend on the class type.
                    var room = rng.Next(100, 400).ToString(Inv);
                    var period = rng.Next(1, 9).ToString(Inv);
                    var termDraw = rng.NextDouble();
                    var homeroom = courseLocal == 0;
                    var terms = homeroom || termDraw < 0.6 ? $"{Semester1Id},{Semester2Id}" : termDraw < 0.8 ? Semester1Id : Semester2Id;
                    w.Row(ClassId(c), "", "",
                        homeroom ? $"Homeroom {room}" : $"{title} - P{period}",
                        grades, CourseId(courseStart + courseLocal), $"{code}-{section.ToString("D2", Inv)}",
                        homeroom ? "homeroom" : "scheduled", $"Room {room}", SchoolId(s), terms, subject, "",
                        homeroom ? "" : period);
                }
            }
            Done(w, "classes.csv");
        }

        void WriteUsers()
        {
            using var w = Open("users.csv", v12 ? Users12Header : Users11Header);
            var changedCount = CountFor(o.ChangedFraction, o.Students);
            var withGuardianCount = CountFor(o.GuardiansPerStudent, o.Students);
            var withGuardianSoFar = 0;
            var userNumber = 0; // running number over all users: keeps usernames and emails unique

            for (var s = 0; s < schools; s++)
            {
                var grades = Levels[LevelOfSchool(s)].Grades;
                var (start, end) = Split(o.Students, schools, s);
                for (var i = start; i < end; i++)
                {
                    userNumber++;
                    var female = rng.Next(2) == 0;
                    var names = female ? FemaleNames : MaleNames;
                    var given = rng.Next(names.Length);
                    var family = rng.Next(FamilyNames.Length);
                    var middle = rng.NextDouble() < 0.3 ? names[rng.Next(names.Length)] : "";
                    var grade = grades[rng.Next(grades.Length)];
                    studentFemale[i] = female;
                    studentGrade[i] = (sbyte)GradeNumber(grade);

                    // Guardians: exact counts (evenly picked students; every 4th of them has two).
                    string agents = "";
                    if (Picked(i, withGuardianCount, o.Students))
                    {
                        var first = guardians.Count;
                        guardians.Add((i, family));
                        if (withGuardianSoFar % 4 == 3) guardians.Add((i, family));
                        withGuardianSoFar++;
                        agents = guardians.Count - first == 1 ? GuardianId(first) : $"{GuardianId(first)},{GuardianId(first + 1)}";
                    }

                    var local = $"{Slug(names[given])}.{Slug(FamilyNames[family])}{userNumber.ToString(Inv)}";
                    // A changed student gets the next name of the same list; username and email keep the base name.
                    var givenName = Picked(i, changedCount, o.Students) ? names[(given + 1) % names.Length] : names[given];
                    var identifier = (1_000_000_000L + i + 1).ToString(Inv);
                    WriteUser(w, StudentId(i), SchoolId(s), "student", local, $"{{SIS:{identifier}}}", givenName,
                        FamilyNames[family], middle, identifier, "", agents, grade);
                }
            }

            for (var s = 0; s < schools; s++)
            {
                var (start, end) = Split(o.Teachers, schools, s);
                for (var t = start; t < end; t++)
                {
                    userNumber++;
                    var female = rng.Next(3) != 0; // most teachers are women
                    var names = female ? FemaleNames : MaleNames;
                    var given = names[rng.Next(names.Length)];
                    var family = FamilyNames[rng.Next(FamilyNames.Length)];
                    var identifier = "T" + (t + 1).ToString("D5", Inv);
                    WriteUser(w, TeacherId(t), SchoolId(s), "teacher", $"{Slug(given)}.{Slug(family)}{userNumber.ToString(Inv)}",
                        $"{{SIS:{identifier}}}", given, family, "", identifier, "", "", "");
                }
            }

            for (var g = 0; g < guardians.Count; g++)
            {
                userNumber++;
                var (student, familyIndex) = guardians[g];
                var names = rng.Next(2) == 0 ? FemaleNames : MaleNames;
                var given = names[rng.Next(names.Length)];
                var family = FamilyNames[familyIndex];
                var phone = "555-555-01" + rng.Next(100).ToString("D2", Inv); // 555-01xx: reserved fictional numbers
                WriteUser(w, GuardianId(g), DistrictId, "guardian", $"{Slug(given)}.{Slug(family)}{userNumber.ToString(Inv)}",
                    "", given, family, "", "", phone, StudentId(student), "");
            }
            Done(w, "users.csv");
        }

        void WriteUser(CsvFileWriter w, string id, string org, string role, string local, string userIds, string given,
            string family, string middle, string identifier, string phone, string agents, string grades)
        {
            var email = $"{local}@{EmailDomain}";
            if (v12)
                w.Row(id, "", "", "true", local, userIds, given, family, middle, identifier, email, "", phone, agents, grades, "",
                    role == "student" ? identifier : "", "", "", "", "", org, "");
            else
                w.Row(id, "", "", "true", org, role, local, userIds, given, family, middle, identifier, email, "", phone, agents, grades, "");
        }

        void WriteRoles()
        {
            using var w = Open("roles.csv", RolesHeader);
            var n = 0;
            void Role(string user, string role, string org) =>
                w.Row(Id("rol-", ++n, 7), "", "", user, "primary", role, "", "", org, "");
            for (var s = 0; s < schools; s++)
            {
                var (start, end) = Split(o.Students, schools, s);
                for (var i = start; i < end; i++) Role(StudentId(i), "student", SchoolId(s));
            }
            for (var s = 0; s < schools; s++)
            {
                var (start, end) = Split(o.Teachers, schools, s);
                for (var t = start; t < end; t++) Role(TeacherId(t), "teacher", SchoolId(s));
            }
            for (var g = 0; g < guardians.Count; g++) Role(GuardianId(g), "guardian", DistrictId);
            Done(w, "roles.csv");
        }

        void WriteEnrollments()
        {
            using var w = Open("enrollments.csv", EnrollmentsHeader);
            var n = 0;
            string NextId() => Id("enr-", ++n, 7);

            // One primary teacher per class, from the class's school (any teacher if the school has none).
            for (var s = 0; s < schools; s++)
            {
                var (teacherStart, teacherEnd) = Split(o.Teachers, schools, s);
                var (start, end) = Split(o.Classes, schools, s);
                for (var c = start; c < end; c++)
                {
                    var teacher = teacherEnd > teacherStart ? teacherStart + (c - start) % (teacherEnd - teacherStart) : c % o.Teachers;
                    w.Row(NextId(), "", "", ClassId(c), SchoolId(s), TeacherId(teacher), "teacher", "true", "", "");
                }
            }

            var picks = new int[o.EnrollmentsPerStudent];
            for (var s = 0; s < schools; s++)
            {
                var (classStart, classEnd) = Split(o.Classes, schools, s);
                var classCount = classEnd - classStart;
                var take = Math.Min(o.EnrollmentsPerStudent, classCount);
                var (start, end) = Split(o.Students, schools, s);
                for (var i = start; i < end; i++)
                {
                    var picked = 0;
                    while (picked < take)
                    {
                        var c = classStart + rng.Next(classCount);
                        if (Array.IndexOf(picks, c, 0, picked) < 0) picks[picked++] = c;
                    }
                    for (var k = 0; k < take; k++)
                        w.Row(NextId(), "", "", ClassId(picks[k]), SchoolId(s), StudentId(i), "student", "false", "", "");
                }
            }
            Done(w, "enrollments.csv");
        }

        static readonly string[] OtherCountries = ["MX", "CA", "IN", "CN", "PH", "VN", "SV", "GT", "KR", "UA"];

        void WriteDemographics()
        {
            using var w = Open("demographics.csv", DemographicsHeader);
            for (var i = 0; i < o.Students; i++)
            {
                // Students in grade g (KG = 0) turn 5 + g between 2025-09-02 and 2026-09-01.
                var birth = new DateOnly(2020 - studentGrade[i], 9, 2).AddDays(rng.Next(365));
                var race = rng.NextDouble();
                var second = rng.Next(4);
                var hispanic = rng.NextDouble() < 0.27;
                var country = rng.NextDouble() < 0.94 ? "US" : OtherCountries[rng.Next(OtherCountries.Length)];

                // americanIndianOrAlaskaNative, asian, blackOrAfricanAmerican, nativeHawaiianOrOtherPacificIslander, white
                var flags = new bool[5];
                var twoOrMore = race >= 0.93;
                if (race < 0.02) flags[0] = true;
                else if (race < 0.08) flags[1] = true;
                else if (race < 0.22) flags[2] = true;
                else if (race < 0.23) flags[3] = true;
                else if (!twoOrMore) flags[4] = true;
                else { flags[4] = true; flags[second] = true; } // white and one other

                w.Row(StudentId(i), "", "", birth.ToString("yyyy-MM-dd", Inv), studentFemale[i] ? "female" : "male",
                    Bool(flags[0]), Bool(flags[1]), Bool(flags[2]), Bool(flags[3]), Bool(flags[4]), Bool(twoOrMore), Bool(hispanic),
                    country, "", "", "");
            }
            Done(w, "demographics.csv");
        }
    }
}
