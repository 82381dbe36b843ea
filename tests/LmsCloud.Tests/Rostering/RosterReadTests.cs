using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Rostering;

/// <summary>The roster read API over an imported northwind-1.1-bulk: who sees which classes, rosters, guardians, demographics.</summary>
public sealed class RosterReadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>A district with the sample roster, and a client signed in as one imported person with the given role.</summary>
    async Task<(DistrictSummary District, Func<string, string, Task<HttpClient>> As)> ImportedDistrictAsync()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        return (district, async (sourcedId, role) =>
        {
            var id = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", sourcedId);
            return api.ClientFor(district.Slug, TestTokens.Sign(api.SigningKey, district.Slug, district.Id, id, [role]));
        });
    }

    static async Task<List<string>> ClassCodesAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/classes")).GetProperty("items").EnumerateArray()
        .Select(c => c.GetProperty("classCode").GetString()!).Order().ToList();

    [Fact]
    public async Task Teachers_see_only_the_classes_they_teach_and_admins_see_all()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        var teacher = await signedInAs("nw-t-001", Roles.Teacher);
        var student = await signedInAs("nw-s-009", Roles.Student);
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var schoolAdmin = await api.ClientAsAsync(district, Roles.SchoolAdmin);
        var guardian = await signedInAs("nw-g-001", Roles.Guardian);

        // nw-t-001: primary teacher of both Algebra I sections, second teacher of English I P4.
        Assert.Equal(["ENG-101-04", "MATH-101-01", "MATH-101-03"], await ClassCodesAsync(teacher));
        Assert.Equal(["MATH-070-01"], await ClassCodesAsync(student));
        Assert.Equal(6, (await ClassCodesAsync(admin)).Count);
        Assert.Equal(6, (await ClassCodesAsync(schoolAdmin)).Count);
        await HttpAssert.ProblemAsync(await guardian.GetAsync("/api/classes"), HttpStatusCode.Forbidden);

        var hs = await RosterSamples.InternalIdAsync(api.Database, district.Id, "orgs", "nw-hs");
        Assert.Equal(4, (await admin.GetFromJsonAsync<JsonElement>($"/api/classes?schoolId={hs}")).GetProperty("total").GetInt32());
        var schools = await teacher.GetFromJsonAsync<JsonElement>("/api/schools");
        Assert.Equal(["Northwind High School", "Northwind Middle School"], schools.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(3, (await teacher.GetFromJsonAsync<JsonElement>("/api/terms")).GetProperty("total").GetInt32());
        Assert.Equal(4, (await teacher.GetFromJsonAsync<JsonElement>("/api/courses")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await teacher.GetFromJsonAsync<JsonElement>($"/api/courses?schoolId={await RosterSamples.InternalIdAsync(api.Database, district.Id, "orgs", "nw-ms")}"))
            .GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_class_roster_is_for_its_teachers_and_admins()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        var alg1 = await RosterSamples.InternalIdAsync(api.Database, district.Id, "classes", "nw-cls-alg1-p1");
        var bio = await RosterSamples.InternalIdAsync(api.Database, district.Id, "classes", "nw-cls-bio-p2");
        var teacher = await signedInAs("nw-t-001", Roles.Teacher);
        var student = await signedInAs("nw-s-001", Roles.Student);

        var roster = await teacher.GetFromJsonAsync<JsonElement>($"/api/classes/{alg1}/roster");
        Assert.Equal("Algebra I - P1", roster.GetProperty("class").GetProperty("title").GetString());
        var members = roster.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal("teacher", members[0].GetProperty("role").GetString());
        Assert.Equal("Maria", members[0].GetProperty("givenName").GetString());
        Assert.True(members[0].GetProperty("isPrimary").GetBoolean());
        Assert.True(members.Count(m => m.GetProperty("role").GetString() == "student") > 0);

        await HttpAssert.ProblemAsync(await teacher.GetAsync($"/api/classes/{bio}/roster"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/classes/{alg1}/roster"), HttpStatusCode.Forbidden);
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/classes/{bio}/roster")).StatusCode);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/classes/{Guid.NewGuid()}/roster"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_students_guardians_are_for_admins_the_students_teachers_and_the_guardians_themselves()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        var ethan = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001"); // guardians nw-g-001, nw-g-002
        var path = $"/api/students/{ethan}/guardians";

        var asGuardian = await (await signedInAs("nw-g-001", Roles.Guardian)).GetFromJsonAsync<JsonElement>(path);
        Assert.Equal(2, asGuardian.GetArrayLength());
        Assert.All(asGuardian.EnumerateArray(), g => Assert.EndsWith("@northwind.test", g.GetProperty("email").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await (await signedInAs("nw-t-001", Roles.Teacher)).GetAsync(path)).StatusCode); // teaches Ethan
        Assert.Equal(HttpStatusCode.OK, (await (await api.ClientAsAsync(district, Roles.SchoolAdmin)).GetAsync(path)).StatusCode);

        await HttpAssert.ProblemAsync(await (await signedInAs("nw-g-003", Roles.Guardian)).GetAsync(path), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await (await signedInAs("nw-t-003", Roles.Teacher)).GetAsync(path), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await (await signedInAs("nw-s-001", Roles.Student)).GetAsync(path), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Demographics_are_for_district_admins_and_compliance_officers_only_and_every_read_is_audited()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        var ethan = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001");
        var path = $"/api/students/{ethan}/demographics";

        foreach (var role in new[] { Roles.Teacher, Roles.SchoolAdmin, Roles.Guardian, Roles.Student })
            await HttpAssert.ProblemAsync(await (await api.ClientAsAsync(district, role)).GetAsync(path), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await (await signedInAs("nw-t-001", Roles.Teacher)).GetAsync(path), HttpStatusCode.Forbidden);

        var compliance = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var demographics = await compliance.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal("2011-10-03", demographics.GetProperty("birthDate").GetString());
        Assert.Equal("male", demographics.GetProperty("sex").GetString());
        Assert.Equal(JsonValueKind.Object, demographics.GetProperty("flags").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await (await api.ClientAsAsync(district, Roles.DistrictAdmin)).GetAsync(path)).StatusCode);

        var events = await compliance.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=demographics.viewed&subject={ethan}");
        Assert.Equal(2, events.GetProperty("total").GetInt32());
    }

    static List<string> Codes(JsonElement classes) =>
        classes.EnumerateArray().Select(c => c.GetProperty("class").GetProperty("classCode").GetString()!).Order().ToList();

    [Fact]
    public async Task My_classes_lists_a_students_and_a_teachers_classes_with_their_teachers_and_terms()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        var ethan = await (await signedInAs("nw-s-001", Roles.Student)).GetFromJsonAsync<JsonElement>("/api/me/classes");
        Assert.Equal(["ENG-101-04", "MATH-101-01", "SCI-110-02"], Codes(ethan));
        var english = ethan.EnumerateArray().Single(c => c.GetProperty("class").GetProperty("classCode").GetString() == "ENG-101-04");
        Assert.Equal("student", english.GetProperty("role").GetString());
        // English I P4: David Chen primary, Maria Gonzalez second teacher; the primary comes first. Two terms, fall first.
        Assert.Equal([("David Chen", true), ("Maria Gonzalez", false)], english.GetProperty("teachers").EnumerateArray()
            .Select(t => (t.GetProperty("displayName").GetString(), t.GetProperty("isPrimary").GetBoolean())));
        Assert.Equal(["Fall 2026", "Spring 2027"], english.GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
        var biology = ethan.EnumerateArray().Single(c => c.GetProperty("class").GetProperty("classCode").GetString() == "SCI-110-02");
        Assert.Equal(["Fall 2026"], biology.GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("title").GetString()));

        var maria = await (await signedInAs("nw-t-001", Roles.Teacher)).GetFromJsonAsync<JsonElement>("/api/me/classes");
        Assert.Equal(["ENG-101-04", "MATH-101-01", "MATH-101-03"], Codes(maria));
        Assert.All(maria.EnumerateArray(), c => Assert.Equal("teacher", c.GetProperty("role").GetString()));

        // Not a teacher or student, or not a roster person: refused, as /api/classes does.
        await HttpAssert.ProblemAsync(await (await signedInAs("nw-g-001", Roles.Guardian)).GetAsync("/api/me/classes"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await (await api.ClientAsAsync(district, Roles.DistrictAdmin)).GetAsync("/api/me/classes"), HttpStatusCode.Forbidden);
        // A local teacher account that is in no roster has no classes.
        Assert.Equal(0, (await (await api.ClientAsAsync(district, Roles.Teacher)).GetFromJsonAsync<JsonElement>("/api/me/classes")).GetArrayLength());
    }

    [Fact]
    public async Task My_children_lists_a_guardians_children_with_their_classes_and_only_theirs()
    {
        var (district, signedInAs) = await ImportedDistrictAsync();
        // nw-g-001 (Karen Walker) is the guardian of the siblings Ethan (high school) and Lily (middle school).
        var children = await (await signedInAs("nw-g-001", Roles.Guardian)).GetFromJsonAsync<JsonElement>("/api/me/children");
        Assert.Equal(["Ethan", "Lily"], children.EnumerateArray().Select(c => c.GetProperty("givenName").GetString()));
        Assert.Equal(["ENG-101-04", "MATH-101-01", "SCI-110-02"], Codes(children[0].GetProperty("classes")));
        var lily = children[1].GetProperty("classes");
        Assert.Equal(["MATH-070-01"], Codes(lily));
        Assert.Equal(["Sarah O'Neil"], lily[0].GetProperty("teachers").EnumerateArray().Select(t => t.GetProperty("displayName").GetString()));

        var linh = await (await signedInAs("nw-g-003", Roles.Guardian)).GetFromJsonAsync<JsonElement>("/api/me/children");
        Assert.Equal(["Isabella Nguyen"], linh.EnumerateArray().Select(c => c.GetProperty("displayName").GetString())); // another guardian: only her own child

        await HttpAssert.ProblemAsync(await (await signedInAs("nw-s-001", Roles.Student)).GetAsync("/api/me/children"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await (await signedInAs("nw-t-001", Roles.Teacher)).GetAsync("/api/me/children"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task My_classes_and_children_do_not_cross_districts()
    {
        var (_, signedInAs) = await ImportedDistrictAsync();
        var (other, _) = await ImportedDistrictAsync();
        // Ethan's token from the first district, sent to a second district with the same roster: refused.
        var ethan = await signedInAs("nw-s-001", Roles.Student);
        var crossed = api.ClientFor(other.Slug, ethan.DefaultRequestHeaders.Authorization!.Parameter!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await crossed.GetAsync("/api/me/classes")).StatusCode);
    }
}
