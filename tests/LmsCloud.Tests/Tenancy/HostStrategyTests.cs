using LmsCloud.Api.Tenancy;

namespace LmsCloud.Tests.Tenancy;

public sealed class HostStrategyTests
{
    [Theory]
    [InlineData("northwind.localhost", "localhost", "northwind")]
    [InlineData("NorthWind.LocalHost", "localhost", "northwind")]
    [InlineData("northwind.localhost.", "localhost", "northwind")]
    [InlineData("district-1.lms.example", "lms.example", "district-1")]
    [InlineData("localhost", "localhost", null)]
    [InlineData("a.b.localhost", "localhost", null)]
    [InlineData("northwind.evil.example", "lms.example", null)]
    [InlineData("northwindlocalhost", "localhost", null)]
    [InlineData("-bad.localhost", "localhost", null)]
    [InlineData("bad-.localhost", "localhost", null)]
    [InlineData("under_score.localhost", "localhost", null)]
    [InlineData("127.0.0.1", "localhost", null)]
    public void The_district_is_one_dns_label_in_front_of_the_base_domain(string host, string baseDomain, string? expected) =>
        Assert.Equal(expected, HostStrategy.SlugFromHost(host, baseDomain));
}
