import { Controller, Get } from '@nestjs/common';
import { type About, AboutService } from './about.service';

@Controller('api/v1/about')
export class AboutController {
  constructor(private readonly about: AboutService) {}

  @Get()
  get(): About {
    return this.about.about();
  }
}
