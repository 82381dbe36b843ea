using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Auth;

/// <summary>A session ends at its absolute lifetime, however active (3 seconds here instead of 12 hours).</summary>
public sealed class SessionAbsoluteLifetimeTests(SessionAbsoluteLifetimeTests.Api api) : IClassFixture<SessionAbsoluteLifetimeTests.Api>
{
    public sealed class Api : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Auth:SessionAbsoluteLifetime", "00:00:03")];
    }

    [Fact]
    public async Task A_session_in_use_still_ends_at_its_absolute_lifetime()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = await new TestBrowser(api, district.Slug).SignedInAsync(teacher);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(3.5));

        await HttpAssert.ProblemAsync(await browser.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
    }
}

/// <summary>With <c>DataProtection:CertificatePath</c> set, keys are stored encrypted, and every node holding the certificate reads them.</summary>
public sealed class DataProtectionCertificateTests(DataProtectionCertificateTests.Api api) : IClassFixture<DataProtectionCertificateTests.Api>
{
    public sealed class Api : ApiFactory
    {
        public const string CertificatePassword = "test-only";
        public string CertificatePath { get; } = CreateCertificate();

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [new("DataProtection:CertificatePath", CertificatePath), new("DataProtection:CertificatePassword", CertificatePassword)];

        static string CreateCertificate()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=LmsCloud data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var path = Path.Combine(Path.GetTempPath(), $"lmscloud-dp-{Guid.NewGuid():N}.pfx");
            File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, CertificatePassword));
            return path;
        }
    }

    [Fact]
    public async Task Keys_are_stored_encrypted_with_the_certificate_and_another_node_with_it_accepts_the_cookie()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        var onNodeA = await new TestBrowser(api, district.Slug).SignedInAsync(teacher);

        await using (var conn = await api.Database.OpenAsTenantAsync(null))
        {
            var xml = await RlsCatalog.ListAsync(conn, "select xml from data_protection_keys");
            Assert.NotEmpty(xml);
            Assert.All(xml, key =>
            {
                Assert.Contains("<encryptedSecret", key);
                Assert.DoesNotContain("unencrypted", key);
            });
        }

        await using var nodeB = api.AnotherNode();
        Assert.Equal(HttpStatusCode.OK, (await onNodeA.CopyTo(nodeB, district.Slug).GetAsync("/api/me")).StatusCode);
        File.Delete(api.CertificatePath);
    }
}
