using System.IO.Compression;
using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Sis;

/// <summary>
/// Packages as districts really send them (each case was found with public sample packages nobody here wrote): OneRoster
/// 1.0 without a manifest, 1.0 files under a newer manifest, rejections that must cascade along parent chains, and
/// exports in another format altogether.
/// </summary>
public sealed class RealPackageTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    // The OneRoster 1.0 CSV tables (IMS, June 2015): no schoolYear, enabledUser, middleName or user grades; single
    // termSourcedId and grade; schoolYearId; userId and agents; demographics keyed by userSourcedId with birthdate.
    const string Orgs10 = """
        sourcedId,status,dateLastModified,name,type,identifier,metadata.classification,metadata.gender,metadata.boarding,parentSourcedId
        d1,active,2016-09-24,Techtown ISD,local,999000,public,mixed,False,
        s1,active,2016-09-24,Ada Lovelace Academy,school,999001,public,mixed,False,d1
        """;

    const string Sessions10 = """
        sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId
        y1,active,2016-09-24,2026-27,schoolYear,2026-08-15,2027-06-02,
        t1,active,2016-09-24,Fall 2026-27,semester,2026-08-15,2026-12-16,y1
        t2,active,2016-09-24,Spring 2026-27,semester,2027-01-04,2027-06-02,y1
        """;

    const string Courses10 = """
        sourcedId,status,dateLastModified,schoolYearId,metadata.duration,title,courseCode,grade,orgSourcedId,subjects
        c1,active,2016-09-24,y1,year,Algebra I,ALG1,09,s1,Math
        """;

    const string Classes10 = """
        sourcedId,status,dateLastModified,title,grade,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedId,subjects
        k1,active,2016-09-24,Algebra I - P1,09,c1,ALG1-1,scheduled,R101,s1,t1,Math
        """;

    const string Users10 = """
        sourcedId,status,dateLastModified,orgSourcedIds,role,username,userId,givenName,familyName,identifier,email,sms,phone,agents
        tch1,active,2016-09-24,s1,teacher,MM16891,MM16891,Marion,McDonald,7897917,MM16891@techtown.example,,,
        stu1,active,2016-09-24,s1,student,SP37606,SP37606,Sadie,Palmer,3219892,SP37606@techtown.example,,,par1
        stu2,active,2016-09-24,s1,student,DW20794,DW20794,Darrell,Wong,8182398,DW20794@techtown.example,,,
        par1,active,2016-09-24,s1,guardian,PP11111,PP11111,Pat,Palmer,,pat@home.example,,,
        """;

    const string Enrollments10 = """
        sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,status,dateLastModified,primary
        e1,k1,s1,tch1,teacher,active,2016-09-24,true
        e2,k1,s1,stu1,student,active,2016-09-24,false
        e3,k1,s1,stu2,student,active,2016-09-24,false
        """;

    const string Demographics10 = """
        userSourcedId,status,dateLastModified,birthdate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus
        stu1,active,2016-09-24,2011-08-28,female,,,,,,,,,,,
        stu2,active,2016-09-24,2011-06-18,male,,,,,,,,,,,
        """;

    static RosterPackageBuilder Package10() => new RosterPackageBuilder()
        .With("orgs.csv", Orgs10).With("academicSessions.csv", Sessions10).With("courses.csv", Courses10).With("classes.csv", Classes10)
        .With("users.csv", Users10).With("enrollments.csv", Enrollments10).With("demographics.csv", Demographics10);

    [Fact]
    public async Task A_OneRoster_1_0_package_without_a_manifest_is_read_in_the_1_0_layout()
    {
        var district = await db.CreateDistrictAsync();
        using var package = Package10();

        var outcome = await ImportAsync(district.Id, package.Folder);

        Assert.True(outcome.Status == RunStatus.Succeeded, $"{outcome.Status}: {outcome.FailureReason} {await ErrorTextAsync(district.Id, outcome.RunId)}");
        Assert.Equal("1.0", await ScalarAsync<string>(district.Id, $"select oneroster_version from import_runs where id = '{outcome.RunId}'"));
        await AssertThe10RosterLandedAsync(district.Id, outcome);
    }

    [Fact]
    public async Task OneRoster_1_0_column_names_under_a_1_1_manifest_are_read_with_a_warning_each()
    {
        var district = await db.CreateDistrictAsync();
        using var package = Package10().With("manifest.csv",
            RosterPackageBuilder.Manifest11Bulk.Replace("file.demographics,absent", "file.demographics,bulk"));

        var outcome = await ImportAsync(district.Id, package.Folder);

        Assert.Equal(RunStatus.SucceededWithWarnings, outcome.Status);
        Assert.Equal(0, outcome.Errors);
        var errors = await ErrorsAsync(district.Id, outcome.RunId);
        Assert.Equal(new[]
        {
            ("academicSessions.csv", "schoolYear"), ("classes.csv", "grade"), ("classes.csv", "termSourcedId"), ("courses.csv", "grade"),
            ("courses.csv", "schoolYearId"), ("demographics.csv", "userSourcedId"), ("users.csv", "agents"), ("users.csv", "enabledUser"),
        }, errors.Where(e => e.Code == "W_LEGACY_COLUMN").Select(e => (e.File, e.Column!)).Order().ToArray());
        Assert.All(errors, e => Assert.Equal((RowError.Warning, 1), (e.Severity, e.Line!.Value)));
        Assert.DoesNotContain(errors, e => e.Code == "W_UNKNOWN_COLUMN"); // userId is the 1.0 userIds: known, not stored
        await AssertThe10RosterLandedAsync(district.Id, outcome);
    }

    async Task AssertThe10RosterLandedAsync(Guid district, ImportOutcome outcome)
    {
        Assert.Equal((2, 3, 1, 1, 4, 3, 2), (outcome.Counts["orgs"].Created, outcome.Counts["academicSessions"].Created, outcome.Counts["courses"].Created,
            outcome.Counts["classes"].Created, outcome.Counts["users"].Created, outcome.Counts["enrollments"].Created, outcome.Counts["demographics"].Created));
        // schoolYear is the year in which the school year ends: the Fall term ends in 2026 but belongs to 2027.
        Assert.Equal("2027,2027,2027", await ScalarAsync<string>(district, "select string_agg(school_year::text, ',') from academic_sessions"));
        Assert.Equal("{09}", await ScalarAsync<string>(district, "select grades::text from classes"));
        Assert.Equal(1, await ScalarAsync<int>(district, "select cardinality(term_ids) from classes"));
        Assert.Equal("{09}", await ScalarAsync<string>(district, "select grades::text from courses where school_year_id is not null"));
        Assert.Equal(4L, await ScalarAsync<long>(district, "select count(*) from users where source = 'sis' and enabled_user"));
        Assert.Equal(1L, await ScalarAsync<long>(district, "select count(*) from guardian_links"));
        Assert.Equal("2011-08-28", await ScalarAsync<string>(district, """
            select d.birth_date::text from demographics d join external_ids x on x.internal_id = d.user_id and x.entity_type = 'users'
            where x.external_id = 'stu1'
            """));
        Assert.Equal(1L, await ScalarAsync<long>(district, "select count(*) from enrollments where is_primary"));
    }

    [Theory]
    [InlineData("northwind-1.1-bulk", "nw-district", "nw-2027")]
    [InlineData("riverside-1.2-bulk", "rs-district", "rs-2027")]
    public async Task In_lenient_mode_rejections_cascade_along_chains_of_parent_sessions_and_orgs(string sample, string district, string year)
    {
        var tenant = await db.CreateDistrictAsync();
        using var package = new RosterPackageBuilder();
        foreach (var file in Directory.GetFiles(Samples.Path(sample)))
            package.With(Path.GetFileName(file), File.ReadAllText(file));
        var orgs = File.ReadAllText(Samples.Path(sample) + "/orgs.csv").TrimEnd('\n');
        var sessions = File.ReadAllText(Samples.Path(sample) + "/academicSessions.csv").TrimEnd('\n');
        var orgLines = orgs.Split('\n').Length;
        var sessionLines = sessions.Split('\n').Length;
        package.With("orgs.csv", orgs + $"""

            x-region,,,Lost Region,regional,,{district}
            x-school,,,School of the Lost Region,school,,x-region
            x-dept,,,Science Department,department,,x-school
            x-lab,,,Lab,department,,x-dept

            """);
        package.With("academicSessions.csv", sessions + $"""

            x-2026,,,2025-26,schoolYear,08/15/2025,2026-06-05,,2026
            x-fall,,,Fall 2025,semester,2025-08-15,2025-12-19,x-2026,2026
            x-q1,,,Q1 2025,gradingPeriod,2025-08-15,2025-10-17,x-fall,2026
            x-q1a,,,Q1 part A,gradingPeriod,2025-08-15,2025-09-12,x-q1,2026
            x-ok,,,Q1 elsewhere,gradingPeriod,2026-08-17,2026-10-16,{year},2027

            """);

        var outcome = await ImportAsync(tenant.Id, package.Folder);

        Assert.True(outcome.Status == RunStatus.SucceededWithWarnings, $"{outcome.Status}: {outcome.FailureReason}");
        var errors = (await ErrorsAsync(tenant.Id, outcome.RunId)).Where(e => e.Severity == RowError.Error).Select(e => (e.File, e.Line, e.Column, e.Code)).ToList();
        Assert.Equal(new (string, int?, string?, string)[]
        {
            ("academicSessions.csv", sessionLines + 1, "startDate", "E_DATE"),
            ("academicSessions.csv", sessionLines + 2, "parentSourcedId", "E_REFERENCE"),
            ("academicSessions.csv", sessionLines + 3, "parentSourcedId", "E_REFERENCE"),
            ("academicSessions.csv", sessionLines + 4, "parentSourcedId", "E_REFERENCE"),
            ("orgs.csv", orgLines + 1, "type", "E_ENUM"),
            ("orgs.csv", orgLines + 2, "parentSourcedId", "E_REFERENCE"),
            ("orgs.csv", orgLines + 3, "parentSourcedId", "E_REFERENCE"),
            ("orgs.csv", orgLines + 4, "parentSourcedId", "E_REFERENCE"),
        }, errors.OrderBy(e => e.File).ThenBy(e => e.Line).ToArray());
        // Each cascaded row names the record it is missing.
        var messages = await MessagesAsync(tenant.Id, outcome.RunId);
        Assert.Contains(messages, m => m.Contains("'x-q1'"));
        Assert.Contains(messages, m => m.Contains("'x-dept'"));
        Assert.Equal((4, 4), (outcome.Counts["orgs"].Invalid, outcome.Counts["academicSessions"].Invalid));
        Assert.Equal(0L, await ScalarAsync<long>(tenant.Id, "select count(*) from academic_sessions where title like 'Q1 part%' or title like 'Fall 2025%'"));
        Assert.Equal(0L, await ScalarAsync<long>(tenant.Id, "select count(*) from orgs where name in ('Lab', 'Science Department')"));
        Assert.Equal(1L, await ScalarAsync<long>(tenant.Id, "select count(*) from academic_sessions where title = 'Q1 elsewhere' and parent_id is not null"));
        Assert.True(await ScalarAsync<long>(tenant.Id, "select count(*) from enrollments where status = 'active'") > 0);
    }

    [Fact]
    public async Task A_database_error_fails_the_run_with_a_plain_reason_and_never_shows_the_raw_error()
    {
        var tenant = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(2);
        var importer = new RosterImporter(db.App)
        {
            AfterApplying = entity => entity == "academicSessions"
                ? throw new PostgresException("insert or update on table \"academic_sessions\" violates foreign key constraint " +
                                              "\"academic_sessions_tenant_id_parent_id_fkey\"", "ERROR", "ERROR", "23503")
                : Task.CompletedTask,
        };
        var run = await RosterImporter.CreateRunAsync(db.App, tenant.Id, package.Folder, "test", "sha", "cli", false, "test");

        var outcome = await importer.RunAsync(tenant.Id, run);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        var stored = await ScalarAsync<string>(tenant.Id, $"select failure_reason from import_runs where id = '{run}'");
        foreach (var reason in new[] { outcome.FailureReason!, stored })
        {
            Assert.Contains("database error and nothing was applied", reason);
            Assert.DoesNotContain("23503", reason);
            Assert.DoesNotContain("foreign key", reason);
            Assert.DoesNotContain("academic_sessions", reason);
        }
        Assert.Equal(0L, await ScalarAsync<long>(tenant.Id, "select count(*) from academic_sessions"));
    }

    public static TheoryData<string, string[], string> ForeignFormats => new()
    {
        { "Clever", ["schools.csv:School_id,School_name,School_number", "students.csv:School_id,Student_id,Last_name,First_name,Grade",
                     "teachers.csv:School_id,Teacher_id,Teacher_email,First_name,Last_name", "sections.csv:School_id,Section_id,Teacher_id,Name,Grade",
                     "enrollments.csv:School_id,Section_id,Student_id"], "Clever" },
        { "SDS classic", ["School.csv:SIS ID,Name", "Section.csv:SIS ID,School SIS ID,Section Name", "Student.csv:SIS ID,School SIS ID,Username",
                          "Teacher.csv:SIS ID,School SIS ID,Username", "StudentEnrollment.csv:Section SIS ID,SIS ID", "TeacherRoster.csv:Section SIS ID,SIS ID"],
          "School Data Sync (SDS) classic" },
        { "SDS v2.1", ["orgs.csv:sourcedId,name,type,parentSourcedId", "users.csv:sourcedId,username,givenName,familyName,password,email",
                       "roles.csv:userSourcedId,orgSourcedId,role,sessionSourcedIds,grade,isPrimary,roleStartDate,roleEndDate",
                       "classes.csv:sourcedId,orgSourcedId,title,sessionSourcedIds,courseSourcedId", "enrollments.csv:classSourcedId,userSourcedId,role"],
          "School Data Sync (SDS) v2.1" },
        { "Canvas", ["users.csv:user_id,login_id,first_name,last_name,email,status", "courses.csv:course_id,short_name,long_name,account_id,term_id,status",
                     "sections.csv:section_id,course_id,name,status", "enrollments.csv:course_id,user_id,role,section_id,status"], "Canvas SIS CSV" },
        { "nothing known", ["roster.xlsx:", "readme.txt:Exported by hand"], "none of the OneRoster files" },
    };

    [Theory]
    [MemberData(nameof(ForeignFormats))]
    public async Task A_folder_or_zip_without_OneRoster_files_fails_naming_what_it_found_and_the_format(string name, string[] files, string expected)
    {
        var tenant = await db.CreateDistrictAsync();
        using var package = new RosterPackageBuilder();
        foreach (var file in files)
            package.With(file[..file.IndexOf(':')], file[(file.IndexOf(':') + 1)..] + "\n1,2,3\n");
        var zip = Path.Combine(Directory.CreateTempSubdirectory("roster-zip-").FullName, "export.zip");
        ZipFile.CreateFromDirectory(package.Folder, zip);

        foreach (var path in new[] { package.Folder, zip })
        {
            var outcome = await ImportAsync(tenant.Id, path);

            Assert.True(outcome.Status == RunStatus.Failed, $"{name}: {outcome.Status}");
            Assert.Contains(expected, outcome.FailureReason);
            Assert.All(files, f => Assert.Contains(f[..f.IndexOf(':')], outcome.FailureReason));
            Assert.Contains("OneRoster", outcome.FailureReason);
            Assert.Empty(outcome.Counts);
        }
        Assert.Equal(0L, await ScalarAsync<long>(tenant.Id, "select count(*) from users where source = 'sis'"));
    }

    async Task<ImportOutcome> ImportAsync(Guid tenant, string path) =>
        (await db.Imports.ImportAsync(new ImportRequest(tenant, path, "test", ImportTrigger.Cli, TestDatabase.TestActor, PackageSha256: "sha"))).Outcome;

    Task<List<(string Severity, string File, int? Line, string? Column, string Code)>> ErrorsAsync(Guid tenant, Guid run) =>
        db.RowErrorsAsync(tenant, run);

    async Task<List<string>> MessagesAsync(Guid tenant, Guid run)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        await using var cmd = new NpgsqlCommand("select message from import_row_errors where run_id = $1 order by seq", conn);
        cmd.Parameters.AddWithValue(run);
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<string>();
        while (await reader.ReadAsync()) result.Add(reader.GetString(0));
        return result;
    }

    async Task<string> ErrorTextAsync(Guid tenant, Guid run) =>
        string.Join("; ", (await ErrorsAsync(tenant, run)).Select(e => $"{e.File}:{e.Line} {e.Column} {e.Code}"));

    async Task<T> ScalarAsync<T>(Guid tenant, string sql)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        return await TestDatabase.ScalarAsync<T>(conn, sql);
    }
}
