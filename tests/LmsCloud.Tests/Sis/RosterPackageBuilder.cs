namespace LmsCloud.Tests.Sis;

/// <summary>Writes a small OneRoster package into a temp folder, file by file, as the test spells it.</summary>
public sealed class RosterPackageBuilder : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("roster-").FullName;

    public const string Manifest11Bulk = """
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.orgs,bulk
        file.academicSessions,bulk
        file.courses,bulk
        file.classes,bulk
        file.users,bulk
        file.enrollments,bulk
        file.demographics,absent
        source.systemCode,testsis
        """;

    public const string Orgs = """
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Test District,district,,
        s1,,,North High,school,NH,d1
        s2,,,South High,school,SH,d1
        """;

    public const string Sessions = """
        sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
        y1,,,2026-2027,schoolYear,2026-08-15,2027-06-10,,2027
        t1,,,Fall,semester,2026-08-15,2026-12-20,y1,2027
        t2,,,Spring,semester,2027-01-05,2027-06-10,y1,2027
        """;

    public const string Courses = """
        sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
        c1,,,y1,Algebra I,ALG1,"09,10",s1,Math,
        c2,,,y1,Biology,BIO,10,s2,Science,
        """;

    public const string Classes = """
        sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
        k1,,,Algebra I - P1,09,c1,ALG1-1,scheduled,R101,s1,"t1,t2",Math,,1
        k2,,,Biology - P2,10,c2,BIO-2,scheduled,L2,s2,t1,Science,,2
        """;

    public static string Users(int students = 10) =>
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" +
        "tch1,,,true,s1,teacher,tch1@test.example,,Tina,Teach,,,tch1@test.example,,,,,\n" +
        "tch2,,,true,s2,teacher,tch2@test.example,,Tom,Tutor,,,tch2@test.example,,,,,\n" +
        "g1,,,true,d1,guardian,g1@test.example,,Gina,Guard,,,g1@test.example,,,,,\n" +
        string.Concat(Enumerable.Range(1, students).Select(i =>
            $"stu{i},,,true,{(i % 2 == 0 ? "s2" : "s1")},student,stu{i}@test.example,,Student,Number{i},,,stu{i}@test.example,,,{(i == 1 ? "g1" : "")},{(i % 2 == 0 ? "10" : "09")},\n"));

    public static string Enrollments(int students = 10) =>
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n" +
        "e-t1,,,k1,s1,tch1,teacher,true,,\n" +
        "e-t2,,,k2,s2,tch2,teacher,true,,\n" +
        string.Concat(Enumerable.Range(1, students).Select(i =>
            $"e{i},,,{(i % 2 == 0 ? "k2,s2" : "k1,s1")},stu{i},student,false,2026-08-15,\n"));

    /// <summary>The standard small package: a district, 2 schools, 3 sessions, 2 courses, 2 classes, 2 teachers, a guardian, N students.</summary>
    public static RosterPackageBuilder Standard(int students = 10) => new RosterPackageBuilder()
        .With("manifest.csv", Manifest11Bulk).With("orgs.csv", Orgs).With("academicSessions.csv", Sessions)
        .With("courses.csv", Courses).With("classes.csv", Classes).With("users.csv", Users(students))
        .With("enrollments.csv", Enrollments(students));

    public RosterPackageBuilder With(string file, string content)
    {
        File.WriteAllText(Path.Combine(Folder, file), content.ReplaceLineEndings("\n"));
        return this;
    }

    public RosterPackageBuilder WithBytes(string file, byte[] content)
    {
        File.WriteAllBytes(Path.Combine(Folder, file), content);
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
